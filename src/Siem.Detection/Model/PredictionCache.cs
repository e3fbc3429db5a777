using System.Runtime.InteropServices;

namespace Siem.Detection.Model;

/// <summary>
/// Remembers the verdict for recently seen feature vectors. Network traffic repeats itself (a flood is
/// thousands of identical connection records), and the model is a pure function of the vector, so an
/// identical vector needs no second inference. Bounded to <c>capacity</c> entries in two generations:
/// when the young one fills it becomes the old one, so recently used entries survive (roughly LRU).
/// </summary>
internal sealed class PredictionCache(int capacity)
{
    private readonly Lock _gate = new();
    private readonly int _generationSize = Math.Max(1, capacity / 2);
    private Dictionary<VectorKey, Prediction> _young = [];
    private Dictionary<VectorKey, Prediction> _old = [];

    public bool Enabled => capacity > 0;

    public bool TryGet(VectorKey key, out Prediction prediction)
    {
        lock (_gate)
        {
            if (_young.TryGetValue(key, out prediction!))
            {
                return true;
            }

            if (_old.Remove(key, out prediction!))
            {
                Promote(key.Copy(), prediction);
                return true;
            }

            return false;
        }
    }

    /// <summary>Stores a verdict; the key is copied so it no longer refers to the caller's buffer.</summary>
    public void Add(VectorKey key, Prediction prediction)
    {
        var owned = key.Copy();
        lock (_gate)
        {
            Promote(owned, prediction);
        }
    }

    private void Promote(VectorKey owned, Prediction prediction)
    {
        if (_young.Count >= _generationSize)
        {
            (_old, _young) = (_young, []);
        }

        _young[owned] = prediction;
    }
}

/// <summary>A feature vector (a slice of some buffer) compared by value.</summary>
internal readonly struct VectorKey : IEquatable<VectorKey>
{
    private readonly float[] _buffer;
    private readonly int _offset;
    private readonly int _length;
    private readonly int _hash;

    public VectorKey(float[] buffer, int offset, int length)
    {
        _buffer = buffer;
        _offset = offset;
        _length = length;
        var hash = new HashCode();
        hash.AddBytes(MemoryMarshal.AsBytes(Span));
        _hash = hash.ToHashCode();
    }

    private VectorKey(float[] owned, int hash)
    {
        _buffer = owned;
        _offset = 0;
        _length = owned.Length;
        _hash = hash;
    }

    public ReadOnlySpan<float> Span => _buffer.AsSpan(_offset, _length);

    public VectorKey Copy() => new(Span.ToArray(), _hash);

    public bool Equals(VectorKey other) => _hash == other._hash && Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is VectorKey other && Equals(other);

    public override int GetHashCode() => _hash;
}
