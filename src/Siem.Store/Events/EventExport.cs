using System.Globalization;
using Microsoft.EntityFrameworkCore;
using nietras.SeparatedValues;
using Siem.Domain.Records;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>
/// Every event a query matches as CSV, streamed in time order: rows are read from the database and sent
/// in chunks as they come, so an export of millions never sits in memory.
/// </summary>
public static class EventExport
{
    private const int RowsPerChunk = 2_000;
    private static readonly string[] FeatureNames = [.. KddFeatures.All.Select(f => f.Name)];

    public static async Task WriteAsync(IQueryable<SecurityEvent> events, Stream body, CancellationToken cancellationToken)
    {
        await using var text = new StreamWriter(body, leaveOpen: true);
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = Sep.New(',').Writer(o => o with { CultureInfo = CultureInfo.InvariantCulture }).To(buffer))
        {
            var rows = 0;
            await foreach (var e in events.OrderBy(e => e.TimeMs).ThenBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                WriteRow(writer, e);
                if (++rows % RowsPerChunk == 0)
                {
                    await SendAsync(writer, buffer, text, cancellationToken);
                }
            }

            await SendAsync(writer, buffer, text, cancellationToken);
        }

        await text.FlushAsync(cancellationToken);
    }

    private static void WriteRow(SepWriter writer, SecurityEvent e)
    {
        using var row = writer.NewRow();
        var c = e.Connection;
        row["time"].Set(DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        row["label"].Set(e.Label);
        row["category"].Set(e.Category);
        row["confidence"].Format(e.Confidence);
        row["unknown"].Set(e.Unknown ? "true" : "false");
        row["closest_label"].Set(e.ClosestLabel ?? "");
        row["rule"].Set(e.Rule ?? "");
        var features = c.FeatureTexts();
        for (var i = 0; i < features.Length; i++)
        {
            row[FeatureNames[i]].Set(features[i]);
        }

        row["src_ip"].Set(c.SrcIp?.ToString() ?? "");
        row["dst_ip"].Set(c.DstIp?.ToString() ?? "");
        row["src_port"].Set(c.SrcPort?.ToString(CultureInfo.InvariantCulture) ?? "");
        row["dst_port"].Set(c.DstPort?.ToString(CultureInfo.InvariantCulture) ?? "");
        row["uid"].Set(c.Uid ?? "");
        row["community_id"].Set(c.CommunityId ?? "");
        row["actual_label"].Set(c.Label ?? "");
        row["job"].Format(e.JobId);
        row["line"].Format(e.Line);
    }

    private static async Task SendAsync(SepWriter writer, StringWriter buffer, StreamWriter text, CancellationToken cancellationToken)
    {
        writer.Flush();
        var chunk = buffer.GetStringBuilder();
        await text.WriteAsync(chunk, cancellationToken);
        await text.FlushAsync(cancellationToken);
        chunk.Clear();
    }
}
