namespace Siem.Capture;

/// <summary>What the traffic windows need to know of a connection.</summary>
/// <remarks>As kdd99_feature_extractor reads the KDD data: S0-S3 are "SYN errors", REJ is a "REJ error".</remarks>
internal readonly record struct WindowEntry(double Start, UInt128 Host, string Service, int SourcePort, bool SynError, bool Rejected);

/// <summary>Features 23-31 (the past two seconds) and 32-41 (the past 100 connections).</summary>
internal readonly record struct TrafficFeatures(
    int Count, int SrvCount, double SerrorRate, double SrvSerrorRate, double RerrorRate, double SrvRerrorRate,
    double SameSrvRate, double DiffSrvRate, double SrvDiffHostRate,
    int DstHostCount, int DstHostSrvCount, double DstHostSameSrvRate, double DstHostDiffSrvRate, double DstHostSameSrcPortRate,
    double DstHostSrvDiffHostRate, double DstHostSerrorRate, double DstHostSrvSerrorRate, double DstHostRerrorRate, double DstHostSrvRerrorRate);

/// <summary>
/// The KDD traffic features. Each connection joins both windows and is then described by them, so it
/// counts itself (count >= 1), as in the KDD data, where count and dst_host_count are 0 in only
/// 2 and 3 of 494,021 records. Counts are capped as in the data (511 and 255), rates rounded to 2 places.
/// Connections must arrive in start order (the tracker hands them over so).
/// </summary>
internal sealed class TrafficWindows(double seconds = 2, int connections = 100)
{
    private const int MaxCount = 511;
    private const int MaxHostCount = 255;

    private readonly Queue<WindowEntry> _recent = new();
    private readonly WindowCounts _recentCounts = new();
    private readonly Queue<WindowEntry> _last = new();
    private readonly WindowCounts _lastCounts = new();

    public TrafficFeatures Add(WindowEntry entry)
    {
        while (_recent.TryPeek(out var oldest) && oldest.Start < entry.Start - seconds)
        {
            _recentCounts.Remove(_recent.Dequeue());
        }

        _recent.Enqueue(entry);
        _recentCounts.Add(entry);
        _last.Enqueue(entry);
        _lastCounts.Add(entry);
        if (_last.Count > connections)
        {
            _lastCounts.Remove(_last.Dequeue());
        }

        var t = _recentCounts.Describe(entry);
        var h = _lastCounts.Describe(entry);
        return new TrafficFeatures(
            Math.Min(t.Host, MaxCount), Math.Min(t.Service, MaxCount),
            Rate(t.HostSynErrors, t.Host), Rate(t.ServiceSynErrors, t.Service), Rate(t.HostRejected, t.Host), Rate(t.ServiceRejected, t.Service),
            Rate(t.HostService, t.Host), Rest(t.HostService, t.Host), Rest(t.HostService, t.Service),
            Math.Min(h.Host, MaxHostCount), Math.Min(h.Service, MaxHostCount),
            Rate(h.HostService, h.Host), Rest(h.HostService, h.Host), Rate(h.HostSourcePort, h.Host),
            Rest(h.HostService, h.Service), Rate(h.HostSynErrors, h.Host), Rate(h.ServiceSynErrors, h.Service),
            Rate(h.HostRejected, h.Host), Rate(h.ServiceRejected, h.Service));
    }

    private static double Rate(int part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 2);

    /// <summary>The share that is not <paramref name="part"/> (different service, different host).</summary>
    private static double Rest(int part, int whole) => whole == 0 ? 0 : Math.Round(1 - (double)part / whole, 2);
}

/// <summary>How many connections in a window share a connection's host, service, both, and so on.</summary>
internal readonly record struct WindowCount(
    int Host, int Service, int HostService, int HostSourcePort, int HostSynErrors, int ServiceSynErrors, int HostRejected, int ServiceRejected);

/// <summary>Running counts over a window, updated as connections enter and leave it.</summary>
internal sealed class WindowCounts
{
    private readonly Dictionary<UInt128, (int All, int SynErrors, int Rejected)> _byHost = new();
    private readonly Dictionary<string, (int All, int SynErrors, int Rejected)> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<(UInt128, string), int> _byHostService = new();
    private readonly Dictionary<(UInt128, int), int> _byHostSourcePort = new();

    public void Add(WindowEntry e) => Change(e, +1);

    public void Remove(WindowEntry e) => Change(e, -1);

    public WindowCount Describe(WindowEntry e)
    {
        var host = _byHost.GetValueOrDefault(e.Host);
        var service = _byService.GetValueOrDefault(e.Service);
        return new WindowCount(host.All, service.All, _byHostService.GetValueOrDefault((e.Host, e.Service)),
            _byHostSourcePort.GetValueOrDefault((e.Host, e.SourcePort)), host.SynErrors, service.SynErrors, host.Rejected, service.Rejected);
    }

    private void Change(WindowEntry e, int by)
    {
        var synError = e.SynError ? by : 0;
        var rejected = e.Rejected ? by : 0;
        Update(_byHost, e.Host, v => (v.All + by, v.SynErrors + synError, v.Rejected + rejected), v => v.All == 0);
        Update(_byService, e.Service, v => (v.All + by, v.SynErrors + synError, v.Rejected + rejected), v => v.All == 0);
        Update(_byHostService, (e.Host, e.Service), v => v + by, v => v == 0);
        Update(_byHostSourcePort, (e.Host, e.SourcePort), v => v + by, v => v == 0);
    }

    // Keys leave the dictionaries when their count drops to 0, so the windows stay small.
    private static void Update<TKey, TValue>(Dictionary<TKey, TValue> counts, TKey key, Func<TValue, TValue> change, Func<TValue, bool> isEmpty)
        where TKey : notnull where TValue : struct
    {
        var value = change(counts.GetValueOrDefault(key));
        if (isEmpty(value))
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = value;
        }
    }
}
