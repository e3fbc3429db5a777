using System.Data.Common;
using Microsoft.Data.Sqlite;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store.Persistence;
using SQLitePCL;

namespace Siem.Store.Ingest;

/// <summary>
/// The SQLite writer: events go through one prepared statement bound by position with SQLitePCL's raw API, because
/// ADO.NET parameters are bound by name on every execution (a linear search per parameter: with 60 columns that cost
/// more than the insert itself); EF's SaveChanges is slower still. INSERT OR IGNORE on (job, line).
/// </summary>
public sealed class SqliteEventWriter : EventWriter
{
    private readonly SqliteConnection _sqlite;
    private readonly sqlite3_stmt _insertEvent;
    private readonly double[] _numeric = new double[KddFeatures.NumericCount];
    private readonly Dictionary<string, byte[]> _utf8Names = new(StringComparer.Ordinal);
    private readonly Bound[] _boundKind = new Bound[64];
    private readonly long[] _boundInteger = new long[64];
    private readonly double[] _boundReal = new double[64];
    private readonly string?[] _boundText = new string?[64];

    public SqliteEventWriter(SqliteSetup sqlite, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null)
        : this(OpenTuned(sqlite), keptRejections, incidentWindow, exceptions)
    {
    }

    private SqliteEventWriter(SqliteConnection connection, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions)
        : base(connection, keptRejections, incidentWindow, exceptions)
    {
        _sqlite = connection;
        var columns = EventColumns();
        Check(raw.sqlite3_prepare_v2(_sqlite.Handle, $"INSERT OR IGNORE INTO {EventTable.Name} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(_ => "?"))})", out _insertEvent),
            "prepare the event insert");
    }

    /// <summary>
    /// The writer's own connection: a large page cache keeps the table's and index's right edges in memory, and rarer
    /// automatic checkpoints spare the bulk insert most of its double writes.
    /// </summary>
    private static SqliteConnection OpenTuned(SqliteSetup sqlite)
    {
        var connection = sqlite.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384; PRAGMA temp_store = MEMORY;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    protected override DbParameter PositionalParameter(int position) => new SqliteParameter($"${position}", null);

    protected override void InsertEvents(long jobId, List<PendingEvent> events, int modelVersion, DbTransaction transaction, bool[] inserted)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            inserted[i] = InsertEvent(jobId, e.Line, e.TimeMs, e.Record, e.Prediction, e.Suppressed, modelVersion);
        }
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
        BindText(index++, record.Uid);
        BindText(index++, record.CommunityId);
        BindName(index, record.Label);
        var rc = raw.sqlite3_step(_insertEvent);
        raw.sqlite3_reset(_insertEvent); // keeps the bindings: the next row re-binds only what changed
        if (rc != raw.SQLITE_DONE)
        {
            Check(rc, "insert an event");
        }

        return raw.sqlite3_changes(_sqlite.Handle) > 0;
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

    /// <summary>Binds text that rarely repeats (flow ids): not cached.</summary>
    private void BindText(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }

        raw.sqlite3_bind_text(_insertEvent, index, value);
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
            throw new SqliteException($"Could not {what}: {raw.sqlite3_errmsg(_sqlite.Handle).utf8_to_string()}", rc);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _insertEvent.Dispose();
        }

        base.Dispose(disposing);
    }
}
