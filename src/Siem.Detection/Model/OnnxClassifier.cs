using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Siem.Domain.Records;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Siem.Detection.Model;

/// <summary>
/// Classifies connection records with the shipped ONNX model. One ONNX Runtime session is created and
/// reused; <see cref="Classify"/> is thread-safe. Batches are the unit of work: a single record is a batch of one.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly FeatureEncoder _encoder;
    private readonly PredictionDecider _decider;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly PredictionCache _cache;

    /// <summary>Distinct records whose verdicts are remembered by default (about 70 MB at most).</summary>
    public const int DefaultCacheCapacity = 200_000;

    private OnnxClassifier(InferenceSession session, ModelCard card, int cacheCapacity)
    {
        _cache = new PredictionCache(cacheCapacity);
        _session = session;
        Card = card;
        _encoder = new FeatureEncoder(card.Encoding);
        _decider = new PredictionDecider(card.Labels, card.Decision);
        _inputNames = [card.Input.Name];
        _outputNames = [card.Outputs.Scores];
    }

    public ModelCard Card { get; }

    public IReadOnlyList<string> Labels => Card.Labels;

    /// <summary>Loads <c>name.onnx</c> and its card <c>name.model.json</c>, checking that they agree.</summary>
    /// <param name="modelPath">The .onnx file, or its .model.json card.</param>
    /// <param name="intraOpThreads">ONNX Runtime threads per inference. One by default: callers run batches in parallel instead, which scales better for tree ensembles than splitting one batch.</param>
    /// <param name="cacheCapacity">Distinct records whose verdicts are remembered; 0 turns the cache off.</param>
    public static OnnxClassifier Load(string modelPath, int intraOpThreads = 1, int cacheCapacity = DefaultCacheCapacity)
    {
        var (onnxPath, cardPath) = ModelFiles.Resolve(modelPath);
        var card = ModelCard.Load(cardPath);
        using var options = new OrtSessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
        };
        var session = new InferenceSession(onnxPath, options);
        try
        {
            Validate(session, card, onnxPath);
            return new OnnxClassifier(session, card, cacheCapacity);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Classifies a batch; the result has one prediction per record, in order.</summary>
    public Prediction[] Classify(IReadOnlyList<ConnectionRecord> records)
    {
        if (records.Count == 0)
        {
            return [];
        }

        const int keyLength = FeatureEncoder.KeyLength;
        var keys = ArrayPool<float>.Shared.Rent(records.Count * keyLength);
        var sameAs = ArrayPool<int>.Shared.Rent(records.Count);
        try
        {
            var predictions = new Prediction[records.Count];
            var firstWithKey = new Dictionary<VectorKey, int>();
            var misses = new List<int>();
            for (var i = 0; i < records.Count; i++)
            {
                sameAs[i] = -1;
                _encoder.WriteKey(records[i], keys.AsSpan(i * keyLength, keyLength));
                var key = new VectorKey(keys, i * keyLength, keyLength);
                if (_cache.Enabled && _cache.TryGet(key, out var known))
                {
                    predictions[i] = known;
                }
                else if (firstWithKey.TryGetValue(key, out var first))
                {
                    sameAs[i] = first; // a repeat within this batch: infer once
                }
                else
                {
                    firstWithKey[key] = i;
                    misses.Add(i);
                }
            }

            if (misses.Count > 0)
            {
                Infer(records, misses, keys, predictions);
                for (var i = 0; i < records.Count; i++)
                {
                    if (sameAs[i] >= 0)
                    {
                        predictions[i] = predictions[sameAs[i]];
                    }
                }
            }

            return predictions;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(sameAs);
        }
    }

    /// <summary>Runs the model on the records not already known (one per distinct key).</summary>
    private void Infer(IReadOnlyList<ConnectionRecord> records, List<int> misses, float[] keys, Prediction[] predictions)
    {
        var width = _encoder.Length;
        var size = misses.Count * width;
        var batch = ArrayPool<float>.Shared.Rent(size);
        try
        {
            for (var row = 0; row < misses.Count; row++)
            {
                _encoder.Encode(records[misses[row]], batch.AsSpan(row * width, width));
            }

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.AsMemory(0, size), [misses.Count, width]);
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);
            var scores = outputs[0].GetTensorDataAsSpan<float>();
            var classes = Labels.Count;
            for (var row = 0; row < misses.Count; row++)
            {
                var index = misses[row];
                var prediction = _decider.Decide(scores.Slice(row * classes, classes), _encoder.IsUnseenService(records[index]), ContentRule.Match(records[index]));
                predictions[index] = prediction;
                if (_cache.Enabled)
                {
                    _cache.Add(new VectorKey(keys, index * FeatureEncoder.KeyLength, FeatureEncoder.KeyLength), prediction);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(batch);
        }
    }

    public Prediction Classify(ConnectionRecord record) => Classify([record])[0];

    private static void Validate(InferenceSession session, ModelCard card, string onnxPath)
    {
        var problems = new List<string>();
        if (!session.InputMetadata.TryGetValue(card.Input.Name, out var input))
        {
            problems.Add($"the card names input '{card.Input.Name}' but the model's inputs are {string.Join(", ", session.InputMetadata.Keys)}");
        }
        else
        {
            if (input.ElementDataType != TensorElementType.Float)
            {
                problems.Add($"input '{card.Input.Name}' is {input.ElementDataType}, expected Float");
            }

            var width = input.Dimensions.LastOrDefault();
            if (width != card.Input.Length || card.Encoding.Length != card.Input.Length)
            {
                problems.Add($"input '{card.Input.Name}' has width {width}, the card says {card.Input.Length} and its encoding {card.Encoding.Length}");
            }
        }

        if (session.InputMetadata.Count != 1)
        {
            problems.Add($"the model has {session.InputMetadata.Count} inputs, expected 1");
        }

        if (!session.OutputMetadata.TryGetValue(card.Outputs.Scores, out var scores))
        {
            problems.Add($"the card names output '{card.Outputs.Scores}' but the model's outputs are {string.Join(", ", session.OutputMetadata.Keys)}");
        }
        else if (scores.Dimensions.LastOrDefault() is var classes && classes > 0 && classes != card.Labels.Count)
        {
            problems.Add($"output '{card.Outputs.Scores}' scores {classes} classes, the card lists {card.Labels.Count} labels");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"Model {onnxPath} does not match its card: {string.Join("; ", problems)}.");
        }
    }

    public void Dispose() => _session.Dispose();
}
