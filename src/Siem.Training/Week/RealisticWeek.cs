using System.Net;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training.Week;

/// <summary>One attack episode of a week: one attack type against one host for a while.</summary>
public sealed record Episode(string Label, string Host, long StartMs, long EndMs, int Count, bool Loud);

/// <summary>A week of traffic (records in time order, with addresses and labels) and the episodes hidden in it.</summary>
public sealed record WeekOfTraffic(IReadOnlyList<ConnectionRecord> Records, IReadOnlyList<Episode> Episodes);

/// <param name="NormalRecords">Normal connections over the week.</param>
/// <param name="Hosts">Destination hosts the traffic and the attacks go to.</param>
/// <param name="LoudEpisodes">Floods, scans and sweeps: 20-2,000 connections in 2-60 minutes.</param>
/// <param name="QuietEpisodes">Host intrusions (u2r, r2l): 1-5 connections within 10 minutes.</param>
public sealed record WeekShape(int NormalRecords = 150_000, int Hosts = 200, int LoudEpisodes = 30, int QuietEpisodes = 15, int Seed = 7)
{
    public static readonly string[] LoudLabels = ["neptune", "smurf", "satan", "ipsweep", "portsweep", "nmap", "back", "teardrop", "pod", "warezclient"];

    public static readonly string[] QuietLabels = ["buffer_overflow", "rootkit", "loadmodule", "perl", "ftp_write", "guess_passwd", "imap", "multihop", "phf", "spy", "warezmaster"];
}

/// <summary>
/// Builds a realistic week from the training file for judging incidents, not the model: normal traffic from the
/// held-out part of the training split (records the shipped model never trained on), spread over 7 days and
/// <see cref="WeekShape.Hosts"/> hosts; loud episodes from held-out records of their type; quiet episodes from
/// all records of their type (the held-out part has only a handful of u2r/r2l connections). Deterministic for a seed.
/// </summary>
public static class RealisticWeek
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private const long WeekMs = 7L * 24 * 3600 * 1000;

    public static WeekOfTraffic Build(IReadOnlyList<ConnectionRecord> heldOut, IReadOnlyList<ConnectionRecord> all, WeekShape shape)
    {
        var random = new Random(shape.Seed);
        var hosts = Enumerable.Range(0, shape.Hosts).Select(i => $"10.1.{i / 250}.{(i % 250) + 1}").ToArray();
        var heldOutByLabel = heldOut.GroupBy(r => r.Label!).ToDictionary(g => g.Key, g => g.ToArray());
        var allByLabel = all.GroupBy(r => r.Label!).ToDictionary(g => g.Key, g => g.ToArray());
        var records = new List<ConnectionRecord>(shape.NormalRecords + (shape.LoudEpisodes * 1000));

        var normals = heldOutByLabel[KddLabels.Normal];
        for (var i = 0; i < shape.NormalRecords; i++)
        {
            var time = random.NextInt64(WeekMs);
            records.Add(Place(normals[random.Next(normals.Length)], time, Client(random), hosts[random.Next(hosts.Length)]));
        }

        var episodes = new List<Episode>();
        for (var i = 0; i < shape.LoudEpisodes + shape.QuietEpisodes; i++)
        {
            var loud = i < shape.LoudEpisodes;
            var label = loud ? WeekShape.LoudLabels[random.Next(WeekShape.LoudLabels.Length)] : WeekShape.QuietLabels[random.Next(WeekShape.QuietLabels.Length)];
            var pool = loud && heldOutByLabel.TryGetValue(label, out var held) && held.Length > 0 ? held : allByLabel[label];
            var count = loud ? random.Next(20, 2001) : random.Next(1, 6);
            var duration = loud ? random.NextInt64(2, 61) * 60_000 : random.NextInt64(1, 11) * 60_000;
            var start = random.NextInt64(WeekMs - duration);
            var host = hosts[random.Next(hosts.Length)];
            var attacker = Client(random);
            var times = Enumerable.Range(0, count).Select(_ => start + random.NextInt64(duration)).Order().ToArray();
            foreach (var time in times)
            {
                records.Add(Place(pool[random.Next(pool.Length)], time, attacker, host));
            }

            episodes.Add(new Episode(label, host, times[0], times[^1], count, loud));
        }

        records.Sort((a, b) => a.Timestamp!.Value.CompareTo(b.Timestamp!.Value));
        return new WeekOfTraffic(records, episodes);
    }

    private static string Client(Random random) => $"192.168.{random.Next(0, 4)}.{random.Next(1, 255)}";

    private static ConnectionRecord Place(ConnectionRecord record, long timeMs, string source, string destination) => record with
    {
        Timestamp = Start.AddMilliseconds(timeMs),
        SrcIp = IPAddress.Parse(source),
        DstIp = IPAddress.Parse(destination),
    };
}
