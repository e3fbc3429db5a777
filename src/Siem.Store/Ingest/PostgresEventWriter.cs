using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

/// <summary>
/// The PostgreSQL writer: a batch's events go in with one binary COPY (Npgsql), an order of magnitude faster than
/// row-by-row inserts. COPY cannot skip duplicates, so the lines of the batch already stored for the job (a resumed
/// job's overlap, normally none) are read first through the unique (job, line) index and left out.
/// </summary>
public sealed class PostgresEventWriter : EventWriter
{
    private readonly NpgsqlConnection _postgres;
    private readonly string _copy;
    private readonly ColumnType[] _featureTypes;
    private readonly double[] _numeric = new double[KddFeatures.NumericCount];
    private readonly NpgsqlCommand _storedLines;

    public PostgresEventWriter(NpgsqlDataSource dataSource, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null)
        : this(dataSource.OpenConnection(), keptRejections, incidentWindow, exceptions)
    {
    }

    private PostgresEventWriter(NpgsqlConnection connection, int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions)
        : base(connection, keptRejections, incidentWindow, exceptions)
    {
        _postgres = connection;
        _copy = $"COPY {EventTable.Name} ({string.Join(", ", EventColumns())}) FROM STDIN (FORMAT BINARY)";
        _featureTypes = FeatureColumnTypes();
        _storedLines = new NpgsqlCommand($"SELECT line FROM {EventTable.Name} WHERE job_id = $1 AND line BETWEEN $2 AND $3", connection);
        _storedLines.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
        _storedLines.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
        _storedLines.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private enum ColumnType : byte
    {
        Text,
        Double,
        Bigint,
        Integer,
        Boolean,
    }

    /// <summary>Each feature column's type, from the record's property (the EF model maps the same property to it).</summary>
    private static ColumnType[] FeatureColumnTypes()
    {
        var properties = typeof(ConnectionRecord).GetProperties().ToDictionary(p => EventTable.ColumnOf(p.Name), p => p.PropertyType, StringComparer.Ordinal);
        return [.. KddFeatures.All.Select(f => properties[f.Name] switch
        {
            var t when t == typeof(string) => ColumnType.Text,
            var t when t == typeof(double) => ColumnType.Double,
            var t when t == typeof(long) => ColumnType.Bigint,
            var t when t == typeof(int) => ColumnType.Integer,
            var t when t == typeof(bool) => ColumnType.Boolean,
            var t => throw new InvalidOperationException($"No COPY mapping for feature {f.Name} of type {t}"),
        })];
    }

    protected override DbParameter PositionalParameter(int position) => new NpgsqlParameter();

    protected override void InsertEvents(long jobId, List<PendingEvent> events, int modelVersion, DbTransaction transaction, bool[] inserted)
    {
        if (events.Count == 0)
        {
            return;
        }

        var stored = StoredLines(jobId, events, (NpgsqlTransaction)transaction);
        using var copy = _postgres.BeginBinaryImport(_copy);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (stored.Contains(e.Line))
            {
                continue;
            }

            inserted[i] = true;
            WriteRow(copy, jobId, e, modelVersion);
        }

        copy.Complete();
    }

    /// <summary>Lines of this batch the job already has (one index range read; empty unless a run is resumed over stored lines).</summary>
    private HashSet<long> StoredLines(long jobId, List<PendingEvent> events, NpgsqlTransaction transaction)
    {
        var (first, last) = (long.MaxValue, long.MinValue);
        foreach (var e in events)
        {
            (first, last) = (Math.Min(first, e.Line), Math.Max(last, e.Line));
        }

        _storedLines.Transaction = transaction;
        _storedLines.Parameters[0].Value = jobId;
        _storedLines.Parameters[1].Value = first;
        _storedLines.Parameters[2].Value = last;
        var lines = new HashSet<long>();
        using var reader = _storedLines.ExecuteReader();
        while (reader.Read())
        {
            lines.Add(reader.GetInt64(0));
        }

        return lines;
    }

    private void WriteRow(NpgsqlBinaryImporter copy, long jobId, PendingEvent e, int modelVersion)
    {
        var (record, prediction) = (e.Record, e.Prediction);
        copy.StartRow();
        copy.Write(jobId, NpgsqlDbType.Bigint);
        copy.Write(e.Line, NpgsqlDbType.Bigint);
        copy.Write(e.TimeMs, NpgsqlDbType.Bigint);
        copy.Write(prediction.Verdict, NpgsqlDbType.Text);
        copy.Write(prediction.Category.ToName(), NpgsqlDbType.Text);
        copy.Write(prediction.VerdictConfidence, NpgsqlDbType.Real);
        copy.Write(prediction.Unknown, NpgsqlDbType.Boolean);
        copy.Write(prediction.IsAlert, NpgsqlDbType.Boolean);
        WriteText(copy, prediction.Unknown ? prediction.ClosestLabel : null);
        copy.Write(e.Suppressed, NpgsqlDbType.Boolean);
        WriteText(copy, prediction.Rule);
        if (modelVersion > 0)
        {
            copy.Write(modelVersion, NpgsqlDbType.Integer);
        }
        else
        {
            copy.WriteNull(); // not registered (a writer used outside the app)
        }

        record.CopyNumericFeaturesTo(_numeric);
        var (n, column) = (0, -1);
        foreach (var feature in KddFeatures.All)
        {
            column++;
            switch (feature.Index)
            {
                case KddFeatures.ProtocolTypeIndex: copy.Write(record.ProtocolType, NpgsqlDbType.Text); continue;
                case KddFeatures.ServiceIndex: copy.Write(record.Service, NpgsqlDbType.Text); continue;
                case KddFeatures.FlagIndex: copy.Write(record.Flag, NpgsqlDbType.Text); continue;
            }

            var value = _numeric[n++];
            switch (_featureTypes[column])
            {
                case ColumnType.Double: copy.Write(value, NpgsqlDbType.Double); break;
                case ColumnType.Bigint: copy.Write((long)value, NpgsqlDbType.Bigint); break;
                case ColumnType.Integer: copy.Write((int)value, NpgsqlDbType.Integer); break;
                default: copy.Write(value != 0, NpgsqlDbType.Boolean); break;
            }
        }

        WriteText(copy, record.SrcIp?.ToString());
        WriteText(copy, record.DstIp?.ToString());
        WriteInteger(copy, record.SrcPort);
        WriteInteger(copy, record.DstPort);
        WriteText(copy, record.Label);
    }

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void WriteInteger(NpgsqlBinaryImporter copy, int? value)
    {
        if (value is { } v)
        {
            copy.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            copy.WriteNull();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _storedLines.Dispose();
        }

        base.Dispose(disposing);
    }
}
