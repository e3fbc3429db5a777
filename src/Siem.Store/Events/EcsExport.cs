using System.Buffers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>
/// Every event a query matches as NDJSON in Elastic Common Schema field names, oldest first and streamed, for
/// Elasticsearch or OpenSearch (<c>_bulk</c> after an action line per document, or Filebeat/Logstash as is): standard
/// ECS fields where they exist, the model's verdict under <c>rule.*</c> and everything else ECS has no field for under
/// the custom <c>siem.*</c> namespace (README "Elastic Common Schema").
/// </summary>
public static class EcsExport
{
    public const string EcsVersion = "8.11.0";
    /// <summary>Sent in chunks of about this size (~300 events), so an export of millions never sits in memory.</summary>
    private const int ChunkBytes = 256 * 1024;

    public static async Task WriteAsync(IQueryable<SecurityEvent> events, Stream body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes + 4096);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        await foreach (var e in events.OrderBy(e => e.TimeMs).ThenBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            Write(json, e);
            json.Flush();
            buffer.Write("\n"u8);
            json.Reset(buffer);
            if (buffer.WrittenCount >= ChunkBytes)
            {
                await body.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        await body.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    private static void Write(Utf8JsonWriter json, SecurityEvent e)
    {
        var c = e.Connection;
        json.WriteStartObject();
        json.WriteString("@timestamp", DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).UtcDateTime);
        json.WriteStartObject("ecs");
        json.WriteString("version", EcsVersion);
        json.WriteEndObject();

        json.WriteStartObject("event");
        json.WriteString("id", e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("kind", e.IsAlert ? "alert" : "event");
        json.WriteStartArray("category");
        json.WriteStringValue("network");
        if (e.IsAlert)
        {
            json.WriteStringValue("intrusion_detection");
        }

        json.WriteEndArray();
        json.WriteStartArray("type");
        json.WriteStringValue("connection");
        json.WriteEndArray();
        json.WriteString("dataset", "siem.connection");
        json.WriteString("module", "siem");
        json.WriteNumber("duration", (long)(c.Duration * 1_000_000_000)); // ECS: nanoseconds
        json.WriteNumber("risk_score", Math.Round(e.Confidence * 100, 1));
        json.WriteEndObject();

        json.WriteStartObject("source");
        WriteEndpoint(json, c.SrcIp, c.SrcPort, c.SrcBytes);
        json.WriteEndObject();
        json.WriteStartObject("destination");
        WriteEndpoint(json, c.DstIp, c.DstPort, c.DstBytes);
        json.WriteEndObject();

        json.WriteStartObject("network");
        json.WriteString("transport", c.ProtocolType);
        json.WriteString("protocol", c.Service);
        json.WriteNumber("bytes", c.SrcBytes + c.DstBytes);
        WriteIfSet(json, "community_id", c.CommunityId);
        json.WriteEndObject();

        json.WriteStartObject("rule");
        json.WriteString("name", e.Label);
        json.WriteString("category", e.Category);
        json.WriteString("ruleset", e.Rule is null ? "siem-model" : "siem-content-rules");
        if (e.ModelVersion is { } version)
        {
            json.WriteString("version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        json.WriteEndObject();

        json.WriteStartObject("siem");
        json.WriteNumber("confidence", Math.Round(e.Confidence, 6));
        json.WriteBoolean("unknown", e.Unknown);
        json.WriteBoolean("suppressed", e.Suppressed);
        WriteIfSet(json, "closest_label", e.ClosestLabel);
        WriteIfSet(json, "content_rule", e.Rule);
        WriteIfSet(json, "actual_label", c.Label);
        WriteIfSet(json, "uid", c.Uid);
        json.WriteString("flag", c.Flag);
        json.WriteNumber("job", e.JobId);
        json.WriteNumber("line", e.Line);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, System.Net.IPAddress? ip, int? port, long bytes)
    {
        if (ip is not null)
        {
            json.WriteString("ip", ip.ToString());
        }

        if (port is { } p)
        {
            json.WriteNumber("port", p);
        }

        json.WriteNumber("bytes", bytes);
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
