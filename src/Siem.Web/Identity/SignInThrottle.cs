using System.Collections.Concurrent;
using System.Net;

namespace Siem.Web.Identity;

/// <summary>
/// Per-address limit on failed sign-ins, beside Identity's per-account lockout: one address guessing many
/// accounts is slowed down, and it cannot lock every account out faster than the limit allows. Only failures
/// count, so people who type their password right are never held up. In memory, per node.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    /// <summary>Failed sign-ins allowed from one address per <see cref="Window"/>.</summary>
    public const int MaxFailures = 20;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>Addresses remembered at most (about 100 bytes each); past it, expired windows are dropped first.</summary>
    private const int MaxAddresses = 100_000;

    private readonly ConcurrentDictionary<string, FailureWindow> _failures = new();

    /// <summary>Whether <paramref name="address"/> has used up its failures for now.</summary>
    public bool IsThrottled(IPAddress? address) =>
        _failures.TryGetValue(Key(address), out var window) && window.Count(time.GetUtcNow()) >= MaxFailures;

    public void RecordFailure(IPAddress? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxAddresses)
        {
            foreach (var (key, window) in _failures)
            {
                if (window.Count(now) == 0)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }

        _failures.GetOrAdd(Key(address), _ => new FailureWindow()).Add(now);
    }

    private static string Key(IPAddress? address) => address?.ToString() ?? "unknown";

    /// <summary>A fixed window: the count resets when the window that began with the first failure has passed.</summary>
    private sealed class FailureWindow
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _start;
        private int _count;

        public int Count(DateTimeOffset now)
        {
            lock (_lock)
            {
                return now - _start >= Window ? 0 : _count;
            }
        }

        public void Add(DateTimeOffset now)
        {
            lock (_lock)
            {
                if (now - _start >= Window)
                {
                    (_start, _count) = (now, 0);
                }

                _count++;
            }
        }
    }
}
