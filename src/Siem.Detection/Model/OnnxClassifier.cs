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

    private OnnxClassifier(InferenceSession session, ModelCard card)
    {
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
    public static OnnxClassifier Load(string modelPath, int intraOpThreads = 0)
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
            return new OnnxClassifier(session, card);
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

        var width = _encoder.Length;
        var size = records.Count * width;
        var buffer = ArrayPool<float>.Shared.Rent(size);
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                _encoder.Encode(records[i], buffer.AsSpan(i * width, width));
            }

            using var input = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, size), [records.Count, width]);
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);
            var scores = outputs[0].GetTensorDataAsSpan<float>();
            var classes = Labels.Count;
            var predictions = new Prediction[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                predictions[i] = _decider.Decide(scores.Slice(i * classes, classes), _encoder.IsUnseenService(records[i]));
            }

            return predictions;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
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
