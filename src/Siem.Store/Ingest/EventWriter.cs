using Microsoft.Data.Sqlite;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store.Persistence;
using SQLitePCL;

namespace Siem.Store.Ingest;

/// <summary>What one committed batch changed, for progress and live updates.</summary>
public sealed record BatchOutcome(long Lines, long Classified, long Rejected, long Alerts, long LabelledRecords, long LabelledCorrect,
    IReadOnlyDictionary<(long Minute, string Label), long> CountsByMinuteAndLabel, long LastLine);

/// <summary>
/// The hot write path: one transaction per batch. Events go through one prepared SQLite statement bound by
/// position with SQLitePCL's raw API, because ADO.NET parameters are bound by name on every execution
/// (a linear search per parameter: with 60 columns that cost more than the insert itself); EF's
/// SaveChanges is slower still. Events are INSERT OR IGNORE on (job, line), rollups are upserted, the
/// first rejections are kept, and the job's counters and committed line move in the same transaction,
/// so a crash leaves the job exactly resumable.
/// </summary>
public sealed class EventWriter : IDisposable
{
    private static readonly string[] MetadataProperties = [nameof(ConnectionRecord.SrcIp), nameof(ConnectionRecord.DstIp), nameof(ConnectionRecord.SrcPort), nameof(ConnectionRecord.DstPort), nameof(ConnectionRecord.Label)];
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _insertEvent;
    private readonly SqliteCommand _upsertRollup;
    private readonly SqliteCommand _upsertAlertRollup;
    private readonly SqliteCommand _upsertVerdict;
    private readonly SqliteCommand _insertRejection;
    private readonly SqliteCommand _updateJob;
    private readonly SqliteCommand _insertAlertGroup;
    private readonly SqliteCommand _countSuppressed;
    private readonly SqliteCommand[] _commands;
    private readonly Exceptions.ExceptionRules? _exceptions;
    private readonly int _keptRejections;
    private readonly long _windowMs;
    private readonly double[] _numeric = new double[KddFeatures.NumericCount];
    private readonly Dictionary<string, byte[]> _utf8Names = new(StringComparer.Ordinal);
    private readonly Bound[] _boundKind = new Bound[64];
    private readonly long[] _boundInteger = new long[64];
    private readonly double[] _boundReal = new double[64];
    private readonly string?[] _boundText = new string?[64];

    /// <param name="exceptions">Analysts' exceptions: matching alerts are stored suppressed and kept out of incidents.</param>
    public EventWriter(SqliteSetup sqlite, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null)
    {
        _exceptions = exceptions;
        _keptRejections = keptRejections;
        _windowMs = (long)incidentWindow.TotalMilliseconds;
        _connection = sqlite.Open();
        using (var pragma = _connection.CreateCommand())
        {
            // The writer's own connection: a large page cache keeps the table's and index's right edges in
            // memory, and rarer automatic checkpoints spare the bulk insert most of its double writes.
            pragma.CommandText = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384; PRAGMA temp_store = MEMORY;";
            pragma.ExecuteNonQuery();
        }

        Check(raw.sqlite3_prepare_v2(_connection.Handle, InsertEventSql(), out _insertEvent), "prepare the event insert");
        _upsertRollup = Prepare("""
            INSERT INTO rollup_minutes ("Minute", "Label", "Category", "Count", "Alerts") VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ("Minute", "Label") DO UPDATE SET "Count" = "Count" + excluded."Count", "Alerts" = "Alerts" + excluded."Alerts"
            """, 5);
        _upsertAlertRollup = Prepare("""
            INSERT INTO alert_rollup_minutes ("Minute", "Dimension", "Value", "Count") VALUES ($1, $2, $3, $4)
            ON CONFLICT ("Minute", "Dimension", "Value") DO UPDATE SET "Count" = "Count" + excluded."Count"
            """, 4);
        _upsertVerdict = Prepare("""
            INSERT INTO job_verdict_counts ("JobId", "ActualLabel", "Label", "Category", "Unknown", "Count") VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT ("JobId", "ActualLabel", "Label", "Category", "Unknown") DO UPDATE SET "Count" = "Count" + excluded."Count"
            """, 6);
        _insertRejection = Prepare("""INSERT OR IGNORE INTO job_rejections ("JobId", "Line", "Reason") VALUES ($1, $2, $3)""", 3);
        _insertAlertGroup = Prepare("""
            INSERT INTO pending_alert_groups ("JobId", "Label", "DstHost", "Category", "Unknown", "FirstMs", "LastMs", "Count", "Risk", "MaxRisk", "Held")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)
            """, 10);
        _updateJob = Prepare("""
            UPDATE jobs SET "Read" = "Read" + $1, "Classified" = "Classified" + $2, "Rejected" = "Rejected" + $3,
              "Alerts" = "Alerts" + $4, "LabelledRecords" = "LabelledRecords" + $5, "LabelledCorrect" = "LabelledCorrect" + $6,
              "CommittedLine" = MAX("CommittedLine", $7)
            WHERE "Id" = $8
            """, 8);
        _countSuppressed = Prepare("""UPDATE alert_exceptions SET "SuppressedCount" = "SuppressedCount" + $1, "LastMatchedUtc" = $2 WHERE "Id" = $3""", 3);
        _commands = [_upsertRollup, _upsertAlertRollup, _upsertVerdict, _insertRejection, _insertAlertGroup, _updateJob, _countSuppressed];
    }

    /// <summary>The event insert: fixed columns, the 41 features, the metadata, all bound by position.</summary>
    private static string InsertEventSql()
    {
        var featureColumns = KddFeatures.All.Select(f => f.Name);
        var metadataColumns = MetadataProperties.Select(p => p == nameof(ConnectionRecord.Label) ? "actual_label" : EventTable.ColumnOf(p));
        string[] fixedColumns = ["job_id", "line", "time_ms", "label", "category", "confidence", "unknown", "is_alert", "closest_label", "suppressed", "rule", "model_version"];
        var columns = fixedColumns.Concat(featureColumns).Concat(metadataColumns).ToArray();
        return $"INSERT OR IGNORE INTO {EventTable.Name} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(_ => "?"))})";
    }

    /// <summary>A command with parameters $1..$count, set by position with <see cref="Execute"/>.</summary>
    private SqliteCommand Prepare(string sql, int count)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 1; i <= count; i++)
        {
            command.Parameters.Add(new SqliteParameter($"${i}", null));
        }

        return command;
    }

    private static void Execute(SqliteCommand command, params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }

    /// <param name="rejectedSoFar">Rejections the job already has, so only the first N are kept.</param>
    /// <param name="recordTimes">Use a record's own timestamp when it has one; false stamps every record with <paramref name="ingestTimeMs"/> (a replay).</param>
    public BatchOutcome Write(long jobId, IReadOnlyList<ParsedLine> lines, IReadOnlyList<Prediction> predictions, int modelVersion, long ingestTimeMs, long rejectedSoFar, bool recordTimes = true)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }

        var tally = new BatchTally();
        var rules = _exceptions?.Current ?? [];
        var nowUtc = DateTimeOffset.FromUnixTimeMilliseconds(ingestTimeMs).UtcDateTime;
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
            if (InsertEvent(jobId, line.LineNumber, timeMs, record, prediction, suppressedBy is not null, modelVersion))
            {
                tally.Add(record, prediction, timeMs, suppressedBy?.Id); // else already stored by an earlier run of this job: counted then, not again
            }
        }

        WriteRollups(tally);
        WriteVerdicts(jobId, tally);
        WriteAlertGroups(jobId, tally);
        foreach (var (rule, count) in tally.SuppressedBy)
        {
            Execute(_countSuppressed, count, nowUtc, rule);
        }

        Execute(_updateJob, lines.Count, tally.Classified, tally.Rejected, tally.AlertCount, tally.Labelled, tally.Correct, tally.LastLine, jobId);
        transaction.Commit();
        return new BatchOutcome(lines.Count, tally.Classified, tally.Rejected, tally.AlertCount, tally.Labelled, tally.Correct,
            tally.Counts.ToDictionary(c => c.Key, c => c.Value.Count), tally.LastLine);
    }

    private void WriteRollups(BatchTally tally)
    {
        foreach (var ((minute, label), value) in tally.Counts)
        {
            Execute(_upsertRollup, minute, label, value.Category, value.Count, value.Alerts);
        }

        foreach (var ((minute, dimension, value), count) in AlertRollups(tally.AlertCounts))
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

    /// <summary>Inserts one event; false when (job, line) was already stored.</summary>
    private bool InsertEvent(long jobId, long line, long timeMs, ConnectionRecord record, Prediction prediction, bool suppressed, int modelVersion)
    {
        BindInt64(1, jobId);
        BindInt64(2, line);
        BindInt64(3, timeMs);
        BindName(4, prediction.Verdict);
        BindName(5, prediction.Category.ToName());
        BindDouble(6, prediction.VerdictConfidence);
        BindInt64(7, prediction.Unknown ? 1 : 0);
        BindInt64(8, prediction.IsAlert ? 1 : 0);
        BindName(9, prediction.Unknown ? prediction.ClosestLabel : null);
        BindInt64(10, suppressed ? 1 : 0);
        BindName(11, prediction.Rule);
        if (modelVersion > 0)
        {
            BindInt64(12, modelVersion);
        }
        else
        {
            BindNull(12); // not registered (a writer used outside the app)
        }

        var index = 13;
        record.CopyNumericFeaturesTo(_numeric);
        var n = 0;
        foreach (var feature in KddFeatures.All)
        {
            switch (feature.Index)
            {
                case KddFeatures.ProtocolTypeIndex: BindName(index, record.ProtocolType); break;
                case KddFeatures.ServiceIndex: BindName(index, record.Service); break;
                case KddFeatures.FlagIndex: BindName(index, record.Flag); break;
                default:
                    var value = _numeric[n++];
                    if (feature.Kind is FeatureKind.Rate or FeatureKind.Continuous)
                    {
                        BindDouble(index, value);
                    }
                    else
                    {
                        BindInt64(index, (long)value);
                    }

                    break;
            }

            index++;
        }

        BindName(index++, record.SrcIp?.ToString());
        BindName(index++, record.DstIp?.ToString());
        BindInt64(index++, record.SrcPort);
        BindInt64(index++, record.DstPort);
        BindName(index, record.Label);
        var rc = raw.sqlite3_step(_insertEvent);
        raw.sqlite3_reset(_insertEvent); // keeps the bindings: the next row re-binds only what changed
        if (rc != raw.SQLITE_DONE)
        {
            Check(rc, "insert an event");
        }

        return raw.sqlite3_changes(_connection.Handle) > 0;
    }

    // Consecutive records share most values (zeros, the same service, a flood's identical rows), and each
    // bind is a native call: skip the ones whose value is already bound.
    private void BindInt64(int index, long? value)
    {
        if (value is not { } v)
        {
            BindNull(index);
            return;
        }

        if (_boundKind[index] == Bound.Integer && _boundInteger[index] == v)
        {
            return;
        }

        raw.sqlite3_bind_int64(_insertEvent, index, v);
        (_boundKind[index], _boundInteger[index]) = (Bound.Integer, v);
    }

    private void BindDouble(int index, double value)
    {
        if (_boundKind[index] == Bound.Real && _boundReal[index].Equals(value))
        {
            return;
        }

        raw.sqlite3_bind_double(_insertEvent, index, value);
        (_boundKind[index], _boundReal[index]) = (Bound.Real, value);
    }

    /// <summary>Binds text that often repeats (labels, services, flags, hosts) from cached UTF-8.</summary>
    private void BindName(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }

        if (_boundKind[index] == Bound.Text && string.Equals(_boundText[index], value, StringComparison.Ordinal))
        {
            return;
        }

        if (!_utf8Names.TryGetValue(value, out var bytes))
        {
            bytes = System.Text.Encoding.UTF8.GetBytes(value);
            if (_utf8Names.Count < 4096)
            {
                _utf8Names[value] = bytes;
            }
        }

        raw.sqlite3_bind_text(_insertEvent, index, bytes);
        (_boundKind[index], _boundText[index]) = (Bound.Text, value);
    }

    private void BindNull(int index)
    {
        if (_boundKind[index] != Bound.Null)
        {
            raw.sqlite3_bind_null(_insertEvent, index);
            _boundKind[index] = Bound.Null;
        }
    }

    private enum Bound : byte
    {
        Nothing,
        Null,
        Integer,
        Real,
        Text,
    }

    private void Check(int rc, string what)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"Could not {what}: {raw.sqlite3_errmsg(_connection.Handle).utf8_to_string()}", rc);
        }
    }

    public void Dispose()
    {
        _insertEvent.Dispose();
        foreach (var command in _commands)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }
}
