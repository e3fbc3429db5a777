using System.Net;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Cli.Seeding;

/// <summary>
/// Generates a big, realistic-looking store: records drawn from a labelled source (the KDD file), about
/// three quarters normal traffic spread evenly over the period, the rest attacks in episodes (a burst
/// of one attack type against one host for 1 to 60 minutes), timestamps over the last <c>days</c>.
/// Output is in time order. Deterministic for a given seed.
/// </summary>
internal sealed class SeedGenerator(IReadOnlyList<ConnectionRecord> source, DateTimeOffset end, int days, int seed)
{
    public const double NormalShare = 0.75;
    private const int Hosts = 200;
    private const int Clients = 2000;

    private readonly record struct Seeded(long TimeMs, int SourceIndex, int Host, int Client);

    public IEnumerable<ConnectionRecord> Generate(long count)
    {
        var random = new Random(seed);
        var byLabel = source.Select((r, i) => (r.Label ?? "normal", i)).GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Select(x => x.i).ToArray());
        if (!byLabel.TryGetValue("normal", out var normal) || byLabel.Count < 2)
        {
            throw new InvalidDataException("The seed source needs labelled records: normal traffic and at least one attack type.");
        }

        // Attack types weighted by the square root of their frequency: common ones dominate, rare ones still appear.
        var attacks = byLabel.Where(p => p.Key != "normal").Select(p => (Label: p.Key, Indexes: p.Value, Weight: Math.Sqrt(p.Value.Length))).ToArray();
        var totalWeight = attacks.Sum(a => a.Weight);
        var startMs = end.AddDays(-days).ToUnixTimeMilliseconds();
        var spanMs = end.ToUnixTimeMilliseconds() - startMs;
        var events = new Seeded[count];
        long n = 0;
        var attackQuota = (long)(count * (1 - NormalShare));
        while (n < attackQuota)
        {
            var pick = random.NextDouble() * totalWeight;
            var attack = attacks[^1];
            foreach (var a in attacks)
            {
                if ((pick -= a.Weight) <= 0)
                {
                    attack = a;
                    break;
                }
            }

            var category = KddLabels.CategoryOf(attack.Label);
            // Floods and scans are big bursts, the others a handful of connections; no episode takes more than a tenth of the attacks.
            var burst = category is KddCategory.Dos or KddCategory.Probe ? random.Next(50, 20_000) : random.Next(1, 40);
            var size = Math.Min(attackQuota - n, Math.Min(burst, Math.Max(1, attackQuota / 10)));
            var episodeStart = startMs + (long)(random.NextDouble() * spanMs);
            var episodeLength = (long)TimeSpan.FromMinutes(random.Next(1, 61)).TotalMilliseconds;
            var host = random.Next(Hosts);
            var attacker = random.Next(Clients);
            for (var i = 0; i < size; i++)
            {
                var time = Math.Min(episodeStart + (long)(random.NextDouble() * episodeLength), startMs + spanMs - 1);
                events[n++] = new Seeded(time, attack.Indexes[random.Next(attack.Indexes.Length)], host, attacker);
            }
        }

        while (n < count)
        {
            events[n++] = new Seeded(startMs + (long)(random.NextDouble() * spanMs), normal[random.Next(normal.Length)], random.Next(Hosts), random.Next(Clients));
        }

        Array.Sort(events, (a, b) => a.TimeMs.CompareTo(b.TimeMs));
        foreach (var e in events)
        {
            yield return source[e.SourceIndex] with
            {
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs),
                SrcIp = new IPAddress([172, 16, (byte)(e.Client / 250), (byte)(1 + e.Client % 250)]),
                DstIp = new IPAddress([10, 0, (byte)(e.Host / 250), (byte)(1 + e.Host % 250)]),
            };
        }
    }
}
