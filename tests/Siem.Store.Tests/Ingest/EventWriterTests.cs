using System.Net;
using Microsoft.EntityFrameworkCore;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store.Ingest;
using Siem.Store.Persistence;
using Siem.TestSupport;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Store.Tests.Ingest;

/// <summary>The hot write path against a real migrated store (a SQLite file, a PostgreSQL database): every value lands where it belongs.</summary>
public sealed class EventWriterTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private StoreBackend? _store;

    private StoreBackend Open(StoreProvider provider)
    {
        _store = provider == StoreProvider.Postgres
            ? new PostgresBackend(PostgresServer.Shared.NewDatabase("writer"), StoreDurability.Acknowledged)
            : new SqliteBackend(new SqliteSetup(_data.File("siem.db")));
        _store.Prepare();
        using var db = NewDb();
        db.Database.Migrate();
        db.Jobs.Add(new IngestJob { Id = 1, FileName = "f.csv", StoredPath = "f.csv", CreatedBy = "test" });
        db.SaveChanges();
        return _store;
    }

    private SiemDbContext NewDb()
    {
        var options = new DbContextOptionsBuilder<SiemDbContext>();
        _store!.Configure(options);
        return new SiemDbContext(options.Options);
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public void Every_feature_and_metadata_value_round_trips_even_when_rows_repeat_and_alternate(StoreProvider provider)
    {
        var store = Open(provider);
        // Alternating and repeated rows exercise the writer's skipping of unchanged bindings, nulls included.
        var records = new List<ConnectionRecord>();
        for (var i = 0; i < 40; i++)
        {
            var record = (i % 3) switch
            {
                0 => NormalHttp(i) with { SrcIp = IPAddress.Parse($"10.0.0.{i}"), DstIp = IPAddress.Parse("10.0.1.1"), SrcPort = 1000 + i, DstPort = 80, Label = "normal", Uid = $"C{i}x", CommunityId = $"1:{i}+/=" },
                1 => SynFlood(i),
                _ => SmurfEcho() with { DstIp = IPAddress.Parse("10.0.1.2"), Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i) },
            };
            records.Add(i is 7 or 8 ? records[^1] : record);
        }

        var lines = records.Select((r, i) => ParsedLine.Ok(i + 1, r)).ToList();
        lines.Insert(5, ParsedLine.Rejected(100, "broken line"));
        var predictions = records.Select((r, i) => new Prediction(i % 2 == 0 ? "normal" : "neptune", i % 2 == 0 ? KddCategory.Normal : KddCategory.Dos, 0.5f + i / 100f, i % 5 == 0, new float[23],
            ClosestLabel: "satan", ClosestConfidence: 0.01f * i)).ToArray();

        BatchOutcome outcome;
        using (var writer = store.OpenWriter(keptRejections: 100, TimeSpan.FromMinutes(10)))
        {
            outcome = writer.Write(1, lines, predictions, modelVersion: 1, ingestTimeMs: 1_234_567, rejectedSoFar: 0);
        }

        Assert.Equal(40, outcome.Classified);
        Assert.Equal(1, outcome.Rejected);
        using var db = NewDb();
        var stored = db.Events.AsNoTracking().OrderBy(e => e.Line).ToList();
        Assert.Equal(40, stored.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var expected = records[i];
            var actual = stored[i];
            Assert.Equal(i + 1, actual.Line);
            var unknown = predictions[i].Unknown;
            Assert.Equal(unknown ? "unknown" : predictions[i].Label, actual.Label); // an unknown record is stored as unknown, never as a known attack
            Assert.Equal(predictions[i].Category.ToName(), actual.Category);
            Assert.Equal(unknown ? predictions[i].ClosestConfidence : predictions[i].Confidence, actual.Confidence);
            Assert.Equal(unknown ? "satan" : null, actual.ClosestLabel);
            Assert.Equal(unknown, actual.Unknown);
            Assert.Equal(expected.Timestamp?.ToUnixTimeMilliseconds() ?? 1_234_567, actual.TimeMs);
            Assert.Equal(expected with { Timestamp = null }, actual.Connection);
        }

        Assert.Equal("broken line", db.JobRejections.Single().Reason);
        var job = db.Jobs.Single();
        Assert.Equal((100L, 41L, 40L, 1L), (job.CommittedLine, job.Read, job.Classified, job.Rejected));
        Assert.Equal(40, db.Rollups.Sum(r => r.Count));
        Assert.Equal(records.Count(r => r.Label is not null), db.JobVerdicts.Sum(v => v.Count));
        Assert.Equal(outcome.Alerts, db.PendingAlertGroups.Sum(g => g.Count));
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public void Writing_the_same_lines_again_adds_nothing(StoreProvider provider)
    {
        var store = Open(provider);
        var lines = Enumerable.Range(1, 10).Select(i => ParsedLine.Ok(i, NormalHttp(i))).ToList();
        var predictions = lines.Select(_ => new Prediction("normal", KddCategory.Normal, 1, false, new float[23])).ToArray();
        BatchOutcome again;
        using (var writer = store.OpenWriter(keptRejections: 100, TimeSpan.FromMinutes(10)))
        {
            writer.Write(1, lines, predictions, 1, 0, 0);
            again = writer.Write(1, lines, predictions, 1, 0, 0);
        }

        using var db = NewDb();
        Assert.Equal(10, db.Events.Count());
        Assert.Equal(0, again.Classified);
        Assert.Equal(10, db.Rollups.Sum(r => r.Count)); // counted once
        Assert.Equal(10, db.Jobs.Single().Classified);
    }

    [Fact]
    public void A_resumed_batch_on_postgres_copies_only_the_lines_not_yet_stored()
    {
        var store = Open(StoreProvider.Postgres);
        var lines = Enumerable.Range(1, 10).Select(i => ParsedLine.Ok(i, NormalHttp(i))).ToList();
        var predictions = lines.Select(_ => new Prediction("normal", KddCategory.Normal, 1, false, new float[23])).ToArray();
        BatchOutcome overlapping;
        using (var writer = store.OpenWriter(keptRejections: 100, TimeSpan.FromMinutes(10)))
        {
            writer.Write(1, lines[..6], predictions[..6], 1, 0, 0);
            overlapping = writer.Write(1, lines, predictions, 1, 0, 0); // lines 1-6 again, then 7-10
        }

        using var db = NewDb();
        Assert.Equal(4, overlapping.Classified);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), db.Events.OrderBy(e => e.Line).Select(e => e.Line).ToList());
        Assert.Equal(10, db.Jobs.Single().Classified);
    }

    public void Dispose()
    {
        (_store as PostgresBackend)?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }
}
