using Microsoft.Data.Sqlite;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Web.Persistence;

namespace Siem.Web.Ingest;

/// <summary>What one committed batch changed, for progress and live updates.</summary>
public sealed record BatchOutcome(long Lines, long Classified, long Rejected, long Alerts, long LabelledRecords, long LabelledCorrect,
    IReadOnlyDictionary<(long Minute, string Label), long> CountsByMinuteAndLabel, long LastLine);

/// <summary>
/// The hot write path: one transaction per batch with prepared ADO.NET commands (EF's SaveChanges is
/// several times slower here). Events are INSERT OR IGNORE on (job, line), rollups are upserted, the
/// first rejections are kept, and the job's counters and committed line move in the same transaction,
/// so a crash leaves the job exactly resumable.
/// </summary>
public sealed class EventWriter : IDisposable
{
    private static readonly string[] MetadataProperties = [nameof(ConnectionRecord.SrcIp), nameof(ConnectionRecord.DstIp), nameof(ConnectionRecord.SrcPort), nameof(ConnectionRecord.DstPort), nameof(ConnectionRecord.Label)];
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _upsertRollup;
    private readonly SqliteCommand _insertRejection;
    private readonly SqliteCommand _updateJob;
    private readonly SqliteParameter[] _featureParameters;
    private readonly int _keptRejections;
    private readonly double[] _numeric = new double[KddFeatures.NumericCount];

    public EventWriter(SqliteSetup sqlite, int keptRejections)
    {
        _keptRejections = keptRejections;
        _connection = sqlite.Open();

        var featureColumns = KddFeatures.All.Select(f => f.Name).ToArray();
        var metadataColumns = MetadataProperties.Select(p => p == nameof(ConnectionRecord.Label) ? "actual_label" : EventTable.ColumnOf(p)).ToArray();
        string[] fixedColumns = ["job_id", "line", "time_ms", "label", "category", "confidence", "unknown", "is_alert"];
        var columns = fixedColumns.Concat(featureColumns).Concat(metadataColumns).ToArray();
        _insertEvent = _connection.CreateCommand();
        _insertEvent.CommandText = $"INSERT OR IGNORE INTO {EventTable.Name} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = columns.Select((_, i) => _insertEvent.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        _featureParameters = parameters;

        _upsertRollup = _connection.CreateCommand();
        _upsertRollup.CommandText = """
            INSERT INTO rollup_minutes ("Minute", "Label", "Category", "Count", "Alerts") VALUES ($m, $l, $c, $n, $a)
            ON CONFLICT ("Minute", "Label") DO UPDATE SET "Count" = "Count" + excluded."Count", "Alerts" = "Alerts" + excluded."Alerts"
            """;
        foreach (var name in new[] { "$m", "$l", "$c", "$n", "$a" })
        {
            _upsertRollup.Parameters.Add(new SqliteParameter(name, null));
        }

        _insertRejection = _connection.CreateCommand();
        _insertRejection.CommandText = "INSERT OR IGNORE INTO job_rejections (\"JobId\", \"Line\", \"Reason\") VALUES ($j, $l, $r)";
        foreach (var name in new[] { "$j", "$l", "$r" })
        {
            _insertRejection.Parameters.Add(new SqliteParameter(name, null));
        }

        _updateJob = _connection.CreateCommand();
        _updateJob.CommandText = """
            UPDATE jobs SET "Read" = "Read" + $read, "Classified" = "Classified" + $classified, "Rejected" = "Rejected" + $rejected,
              "Alerts" = "Alerts" + $alerts, "LabelledRecords" = "LabelledRecords" + $labelled, "LabelledCorrect" = "LabelledCorrect" + $correct,
              "CommittedLine" = $line
            WHERE "Id" = $id
            """;
        foreach (var name in new[] { "$read", "$classified", "$rejected", "$alerts", "$labelled", "$correct", "$line", "$id" })
        {
            _updateJob.Parameters.Add(new SqliteParameter(name, null));
        }
    }

    /// <param name="rejectedSoFar">Rejections the job already has, so only the first N are kept.</param>
    public BatchOutcome Write(long jobId, IReadOnlyList<ParsedLine> lines, IReadOnlyList<Prediction> predictions, long ingestTimeMs, long rejectedSoFar)
    {
        using var transaction = _connection.BeginTransaction();
        _insertEvent.Transaction = transaction;
        _upsertRollup.Transaction = transaction;
        _insertRejection.Transaction = transaction;
        _updateJob.Transaction = transaction;

        var counts = new Dictionary<(long, string), (long Count, long Alerts, string Category)>();
        long classified = 0, rejected = 0, alerts = 0, labelled = 0, correct = 0, lastLine = 0;
        var next = 0;
        foreach (var line in lines)
        {
            lastLine = Math.Max(lastLine, line.LineNumber);
            if (line.Record is not { } record)
            {
                if (rejectedSoFar + rejected < _keptRejections)
                {
                    _insertRejection.Parameters[0].Value = jobId;
                    _insertRejection.Parameters[1].Value = line.LineNumber;
                    _insertRejection.Parameters[2].Value = line.Error;
                    _insertRejection.ExecuteNonQuery();
                }

                rejected++;
                continue;
            }

            var prediction = predictions[next++];
            var timeMs = record.Timestamp?.ToUnixTimeMilliseconds() ?? ingestTimeMs;
            InsertEvent(jobId, line.LineNumber, timeMs, record, prediction);
            classified++;
            if (prediction.IsAlert)
            {
                alerts++;
            }

            if (record.Label is { } actual && KddLabels.CategoryOf(actual) is { } actualCategory)
            {
                labelled++;
                if (actualCategory == prediction.Category)
                {
                    correct++;
                }
            }

            var key = (Math.DivRem(timeMs, 60_000).Quotient, prediction.Label);
            var current = counts.GetValueOrDefault(key, (0, 0, prediction.Category.ToName()));
            counts[key] = (current.Count + 1, current.Alerts + (prediction.IsAlert ? 1 : 0), current.Category);
        }

        foreach (var ((minute, label), value) in counts)
        {
            _upsertRollup.Parameters[0].Value = minute;
            _upsertRollup.Parameters[1].Value = label;
            _upsertRollup.Parameters[2].Value = value.Category;
            _upsertRollup.Parameters[3].Value = value.Count;
            _upsertRollup.Parameters[4].Value = value.Alerts;
            _upsertRollup.ExecuteNonQuery();
        }

        object[] jobValues = [lines.Count, classified, rejected, alerts, labelled, correct, lastLine, jobId];
        for (var i = 0; i < jobValues.Length; i++)
        {
            _updateJob.Parameters[i].Value = jobValues[i];
        }

        _updateJob.ExecuteNonQuery();
        transaction.Commit();
        return new BatchOutcome(lines.Count, classified, rejected, alerts, labelled, correct,
            counts.ToDictionary(c => c.Key, c => c.Value.Count), lastLine);
    }

    private void InsertEvent(long jobId, long line, long timeMs, ConnectionRecord record, Prediction prediction)
    {
        var p = _featureParameters;
        p[0].Value = jobId;
        p[1].Value = line;
        p[2].Value = timeMs;
        p[3].Value = prediction.Label;
        p[4].Value = prediction.Category.ToName();
        p[5].Value = prediction.Confidence;
        p[6].Value = prediction.Unknown;
        p[7].Value = prediction.IsAlert;
        var i = 8;
        record.CopyNumericFeaturesTo(_numeric);
        var n = 0;
        foreach (var feature in KddFeatures.All)
        {
            p[i++].Value = feature.Index switch
            {
                KddFeatures.ProtocolTypeIndex => record.ProtocolType,
                KddFeatures.ServiceIndex => record.Service,
                KddFeatures.FlagIndex => record.Flag,
                _ => _numeric[n++],
            };
        }

        p[i++].Value = (object?)record.SrcIp?.ToString() ?? DBNull.Value;
        p[i++].Value = (object?)record.DstIp?.ToString() ?? DBNull.Value;
        p[i++].Value = (object?)record.SrcPort ?? DBNull.Value;
        p[i++].Value = (object?)record.DstPort ?? DBNull.Value;
        p[i].Value = (object?)record.Label ?? DBNull.Value;
        _insertEvent.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _insertEvent.Dispose();
        _upsertRollup.Dispose();
        _insertRejection.Dispose();
        _updateJob.Dispose();
        _connection.Dispose();
    }
}
