using System.Data.Common;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

/// <summary>What one committed batch changed, for progress and live updates.</summary>
public sealed record BatchOutcome(long Lines, long Classified, long Rejected, long Alerts, long LabelledRecords, long LabelledCorrect,
    IReadOnlyDictionary<(long Minute, string Label), long> CountsByMinuteAndLabel, long LastLine);

/// <summary>A good record of a batch on its way into the events table.</summary>
public readonly record struct PendingEvent(long Line, long TimeMs, ConnectionRecord Record, Prediction Prediction, bool Suppressed);

/// <summary>
/// The hot write path: one transaction per batch. The events go in the provider's fastest way (a prepared SQLite
/// statement bound by position, PostgreSQL's binary COPY), once per (job, line); the rollups are upserted, the first
/// rejections are kept, and the job's counters and committed line move in the same transaction, so a crash leaves the
/// job exactly resumable. The statements besides the event insert are plain SQL both providers run.
/// </summary>
public abstract class EventWriter : IDisposable
{
    protected static readonly string[] MetadataProperties = [nameof(ConnectionRecord.SrcIp), nameof(ConnectionRecord.DstIp), nameof(ConnectionRecord.SrcPort), nameof(ConnectionRecord.DstPort),
        nameof(ConnectionRecord.Uid), nameof(ConnectionRecord.CommunityId), nameof(ConnectionRecord.Label)];
    protected static readonly string[] FixedColumns = ["job_id", "line", "time_ms", "label", "category", "confidence", "unknown", "is_alert", "closest_label", "suppressed", "rule", "model_version"];
    private readonly DbCommand _upsertRollup;
    private readonly DbCommand _upsertAlertRollup;
    private readonly DbCommand _upsertVerdict;
    private readonly DbCommand _insertRejection;
    private readonly DbCommand _updateJob;
    private readonly DbCommand _insertAlertGroup;
    private readonly DbCommand _countSuppressed;
    private readonly DbCommand[] _commands;
    private readonly Exceptions.ExceptionRules? _exceptions;
    private readonly int _keptRejections;
    private readonly long _windowMs;
    private DbBatch? _batch;

    /// <param name="connection">The writer's own open connection (disposed with the writer).</param>
    /// <param name="exceptions">Analysts' exceptions: matching alerts are stored suppressed and kept out of incidents.</param>
    protected EventWriter(DbConnection connection, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions)
    {
        Connection = connection;
        _exceptions = exceptions;
        _keptRejections = keptRejections;
        _windowMs = (long)incidentWindow.TotalMilliseconds;
        // Counters are qualified with their table: PostgreSQL finds a bare "Count" ambiguous beside excluded."Count".
        _upsertRollup = Prepare("""
            INSERT INTO rollup_minutes ("Minute", "Label", "Category", "Count", "Alerts") VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ("Minute", "Label") DO UPDATE SET "Count" = rollup_minutes."Count" + excluded."Count", "Alerts" = rollup_minutes."Alerts" + excluded."Alerts"
            """, 5);
        _upsertAlertRollup = Prepare("""
            INSERT INTO alert_rollup_minutes ("Minute", "Dimension", "Value", "Count") VALUES ($1, $2, $3, $4)
            ON CONFLICT ("Minute", "Dimension", "Value") DO UPDATE SET "Count" = alert_rollup_minutes."Count" + excluded."Count"
            """, 4);
        _upsertVerdict = Prepare("""
            INSERT INTO job_verdict_counts ("JobId", "ActualLabel", "Label", "Category", "Unknown", "Count") VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT ("JobId", "ActualLabel", "Label", "Category", "Unknown") DO UPDATE SET "Count" = job_verdict_counts."Count" + excluded."Count"
            """, 6);
        _insertRejection = Prepare("""INSERT INTO job_rejections ("JobId", "Line", "Reason") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""", 3);
        _insertAlertGroup = Prepare("""
            INSERT INTO pending_alert_groups ("JobId", "Label", "DstHost", "Category", "Unknown", "FirstMs", "LastMs", "Count", "Risk", "MaxRisk", "Held")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE)
            """, 10);
        _updateJob = Prepare("""
            UPDATE jobs SET "Read" = "Read" + $1, "Classified" = "Classified" + $2, "Rejected" = "Rejected" + $3,
              "Alerts" = "Alerts" + $4, "LabelledRecords" = "LabelledRecords" + $5, "LabelledCorrect" = "LabelledCorrect" + $6,
              "CommittedLine" = CASE WHEN "CommittedLine" > $7 THEN "CommittedLine" ELSE $7 END
            WHERE "Id" = $8
            """, 8);
        _countSuppressed = Prepare("""UPDATE alert_exceptions SET "SuppressedCount" = "SuppressedCount" + $1, "LastMatchedUtc" = $2 WHERE "Id" = $3""", 3);
        _commands = [_upsertRollup, _upsertAlertRollup, _upsertVerdict, _insertRejection, _insertAlertGroup, _updateJob, _countSuppressed];
    }

    protected DbConnection Connection { get; }

    /// <summary>The event columns in insert order: fixed columns, the 41 features, the metadata.</summary>
    protected static string[] EventColumns() =>
    [
        .. FixedColumns,
        .. KddFeatures.All.Select(f => f.Name),
        .. MetadataProperties.Select(p => p == nameof(ConnectionRecord.Label) ? "actual_label" : EventTable.ColumnOf(p)),
    ];

    /// <summary>A parameter the provider binds by position ($1, $2, ...).</summary>
    protected abstract DbParameter PositionalParameter(int position);

    /// <summary>Stores the batch's events inside the open transaction; <paramref name="inserted"/>[i] is false when (job, line) was already stored.</summary>
    protected abstract void InsertEvents(long jobId, List<PendingEvent> events, int modelVersion, DbTransaction transaction, bool[] inserted);

    /// <summary>A command with parameters $1..$count, set by position with <see cref="Execute"/>.</summary>
    private DbCommand Prepare(string sql, int count)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 1; i <= count; i++)
        {
            command.Parameters.Add(PositionalParameter(i));
        }

        return command;
    }

    /// <summary>
    /// Runs the statement now (SQLite: in-process, no round trip), or, where the provider batches (PostgreSQL), queues
    /// it for <see cref="Flush"/>: a batch's dozens of upserts then cost one round trip instead of one each (measured
    /// on the KDD file: 1.4 s of a 7.3 s upload went to them one at a time).
    /// </summary>
    private void Execute(DbCommand command, params ReadOnlySpan<object?> values)
    {
        if (!Connection.CanCreateBatch)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
            return;
        }

        _batch ??= Connection.CreateBatch();
        var queued = _batch.CreateBatchCommand();
        queued.CommandText = command.CommandText;
        foreach (var value in values)
        {
            var parameter = queued.CreateParameter();
            parameter.Value = value ?? DBNull.Value;
            queued.Parameters.Add(parameter);
        }

        _batch.BatchCommands.Add(queued);
    }

    private void Flush(DbTransaction transaction)
    {
        if (_batch is null)
        {
            return;
        }

        _batch.Transaction = transaction;
        _batch.ExecuteNonQuery();
        _batch.Dispose();
        _batch = null;
    }

    /// <param name="rejectedSoFar">Rejections the job already has, so only the first N are kept.</param>
    /// <param name="recordTimes">Use a record's own timestamp when it has one; false stamps every record with <paramref name="ingestTimeMs"/> (a replay).</param>
    public BatchOutcome Write(long jobId, IReadOnlyList<ParsedLine> lines, IReadOnlyList<Prediction> predictions, int modelVersion, long ingestTimeMs, long rejectedSoFar, bool recordTimes = true)
    {
        using var transaction = Connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }

        var tally = new BatchTally();
        var rules = _exceptions?.Current ?? [];
        var nowUtc = DateTimeOffset.FromUnixTimeMilliseconds(ingestTimeMs).UtcDateTime;
        var events = new List<PendingEvent>(predictions.Count);
        var suppressors = new List<long?>(predictions.Count);
        var next = 0;
        foreach (var line in lines)
        {
            tally.LastLine = Math.Max(tally.LastLine, line.LineNumber);
            if (line.Record is not { } record)
            {
                if (rejectedSoFar + tally.Rejected < _keptRejections)
                {
                    Execute(_insertRejection, jobId, line.LineNumber, line.Error);
                }

                tally.Rejected++;
                continue;
            }

            var prediction = predictions[next++];
            var timeMs = recordTimes && record.Timestamp is { } own ? own.ToUnixTimeMilliseconds() : ingestTimeMs;
            var suppressedBy = prediction.IsAlert && rules.Count > 0 ? ExceptionRule.FirstMatch(rules, prediction.Verdict, record, nowUtc) : null;
            events.Add(new PendingEvent(line.LineNumber, timeMs, record, prediction, suppressedBy is not null));
            suppressors.Add(suppressedBy?.Id);
        }

        var inserted = new bool[events.Count];
        InsertEvents(jobId, events, modelVersion, transaction, inserted);
        for (var i = 0; i < events.Count; i++)
        {
            if (inserted[i])
            {
                tally.Add(events[i].Record, events[i].Prediction, events[i].TimeMs, suppressors[i]); // else already stored by an earlier run of this job: counted then, not again
            }
        }

        // Rows shared with other writers (rollups, exceptions) are updated in key order, so two writers on PostgreSQL
        // (a job and a stream, or two ingest nodes) lock them in the same order and never deadlock.
        WriteRollups(tally);
        WriteVerdicts(jobId, tally);
        WriteAlertGroups(jobId, tally);
        foreach (var (rule, count) in tally.SuppressedBy.OrderBy(s => s.Key))
        {
            Execute(_countSuppressed, count, nowUtc, rule);
        }

        Execute(_updateJob, lines.Count, tally.Classified, tally.Rejected, tally.AlertCount, tally.Labelled, tally.Correct, tally.LastLine, jobId);
        Flush(transaction);
        transaction.Commit();
        return new BatchOutcome(lines.Count, tally.Classified, tally.Rejected, tally.AlertCount, tally.Labelled, tally.Correct,
            tally.Counts.ToDictionary(c => c.Key, c => c.Value.Count), tally.LastLine);
    }

    private void WriteRollups(BatchTally tally)
    {
        foreach (var ((minute, label), value) in tally.Counts.OrderBy(c => c.Key.Minute).ThenBy(c => c.Key.Label, StringComparer.Ordinal))
        {
            Execute(_upsertRollup, minute, label, value.Category, value.Count, value.Alerts);
        }

        foreach (var ((minute, dimension, value), count) in AlertRollups(tally.AlertCounts).OrderBy(c => c.Key.Item1).ThenBy(c => c.Key.Item2, StringComparer.Ordinal).ThenBy(c => c.Key.Item3, StringComparer.Ordinal))
        {
            Execute(_upsertAlertRollup, minute, dimension, value, count);
        }
    }

    private void WriteVerdicts(long jobId, BatchTally tally)
    {
        foreach (var ((actual, label, category, unknown), count) in tally.Verdicts)
        {
            Execute(_upsertVerdict, jobId, actual, label, category, unknown, count);
        }
    }

    /// <summary>Alerts leave the batch already grouped: the correlator then merges a few groups, not every alert.</summary>
    private void WriteAlertGroups(long jobId, BatchTally tally)
    {
        foreach (var segment in AlertGrouping.Segment(tally.Alerts, _windowMs))
        {
            Execute(_insertAlertGroup, jobId, segment.GroupLabel, segment.Host, segment.Category, segment.Unknown, segment.FirstMs, segment.LastMs, segment.Count,
                segment.Risk, segment.MaxRisk);
        }
    }

    /// <summary>What a batch's new events add up to: rollups by minute and label, alert dimensions, verdicts, accuracy.</summary>
    private sealed class BatchTally
    {
        public Dictionary<(long Minute, string Label), (long Count, long Alerts, string Category)> Counts { get; } = [];
        public Dictionary<(long Minute, string Service, string Protocol, string Flag, string? Host), long> AlertCounts { get; } = [];
        public Dictionary<(string Actual, string Label, string Category, bool Unknown), long> Verdicts { get; } = [];
        public List<Alert> Alerts { get; } = [];

        /// <summary>Alerts per exception that suppressed them.</summary>
        public Dictionary<long, long> SuppressedBy { get; } = [];

        public long AlertCount { get; private set; }
        public long Classified { get; private set; }
        public long Rejected { get; set; }
        public long Labelled { get; private set; }
        public long Correct { get; private set; }
        public long LastLine { get; set; }

        public void Add(ConnectionRecord record, Prediction prediction, long timeMs, long? suppressedBy)
        {
            Classified++;
            var minute = Math.DivRem(timeMs, 60_000).Quotient;
            var category = prediction.Category.ToName();
            AlertCount += prediction.IsAlert ? 1 : 0;
            if (suppressedBy is { } rule)
            {
                SuppressedBy[rule] = SuppressedBy.GetValueOrDefault(rule) + 1; // stored and counted, but kept out of incidents
            }
            else if (prediction.IsAlert)
            {
                var host = record.DstIp?.ToString();
                Alerts.Add(new Alert(IncidentRules.GroupLabel(prediction.Label, prediction.Unknown), host, category, prediction.Unknown, timeMs,
                    AlertRisk.Score(prediction.Category, prediction.Unknown, prediction.Confidence, record)));
                var alertKey = (minute, record.Service, record.ProtocolType, record.Flag, host);
                AlertCounts[alertKey] = AlertCounts.GetValueOrDefault(alertKey) + 1;
            }

            if (record.Label is { } actual)
            {
                var verdict = (actual, prediction.Label, category, prediction.Unknown);
                Verdicts[verdict] = Verdicts.GetValueOrDefault(verdict) + 1;
                if (KddLabels.CategoryOf(actual) is { } actualCategory)
                {
                    Labelled++;
                    Correct += actualCategory == prediction.Category ? 1 : 0;
                }
            }

            var key = (minute, prediction.Verdict);
            var current = Counts.GetValueOrDefault(key, (0, 0, category));
            Counts[key] = (current.Count + 1, current.Alerts + (prediction.IsAlert ? 1 : 0), current.Category);
        }
    }

    /// <summary>The batch's alerts, counted once per combination (cheap per record), split into one count per dimension.</summary>
    private static Dictionary<(long, string, string), long> AlertRollups(Dictionary<(long Minute, string Service, string Protocol, string Flag, string? Host), long> combined)
    {
        var counts = new Dictionary<(long, string, string), long>();
        foreach (var ((minute, service, protocol, flag, host), count) in combined)
        {
            Add((minute, AlertRollupMinute.Service, service), count);
            Add((minute, AlertRollupMinute.Protocol, protocol), count);
            Add((minute, AlertRollupMinute.Flag, flag), count);
            if (host is not null)
            {
                Add((minute, AlertRollupMinute.Host, host), count);
            }
        }

        return counts;

        void Add((long, string, string) key, long count) => counts[key] = counts.GetValueOrDefault(key) + count;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var command in _commands)
            {
                command.Dispose();
            }

            Connection.Dispose();
        }
    }
}
