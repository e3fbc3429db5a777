using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;
using Siem.TestSupport;

namespace Siem.Store.Tests.Persistence;

/// <summary>
/// A read given a time limit (the explorer's count budget) is stopped by the store itself: the caller gets null, not an
/// exception, the context stays usable, and the caller's own cancellation is still an exception.
/// </summary>
public sealed class ReadLimitTests : IDisposable
{
    /// <summary>Reads of a minute or more unless stopped: SQLite counts to 500 million (56 s here), PostgreSQL sleeps.</summary>
    private static readonly Dictionary<StoreProvider, string> SlowReads = new()
    {
        [StoreProvider.Sqlite] = """WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) AS "Value" FROM c""",
        [StoreProvider.Postgres] = """SELECT 1::bigint AS "Value" FROM pg_sleep(60)""",
    };

    /// <summary>
    /// A deadline, not a wait: a limit that lets the read run on fails here (the read is then waited for when the
    /// context is disposed) instead of passing once the read has finished and its result is dropped.
    /// </summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _data = new();
    private StoreBackend? _store;

    private (StoreBackend Store, SiemDbContext Db) Open(StoreProvider provider)
    {
        _store = provider == StoreProvider.Postgres
            ? new PostgresBackend(PostgresServer.Shared.NewDatabase("limits"), StoreDurability.Acknowledged)
            : new SqliteBackend(new SqliteSetup(_data.File("siem.db")));
        _store.Prepare();
        var options = new DbContextOptionsBuilder<SiemDbContext>();
        _store.Configure(options);
        var db = new SiemDbContext(options.Options);
        db.Database.Migrate();
        return (_store, db);
    }

    /// <summary>The slow read under <paramref name="limit"/>, on a thread of its own: SQLite's "async" reads run to the end before they return their task.</summary>
    private static Task<long?> SlowReadAsync(StoreProvider provider, StoreBackend store, SiemDbContext db, TimeSpan limit, CancellationToken cancellationToken) =>
        Task.Run(() => store.WithinAsync(db, limit, token => db.Database.SqlQueryRaw<long>(SlowReads[provider]).SingleAsync(token), cancellationToken), CancellationToken.None).WaitAsync(Deadline, CancellationToken.None); // the store, not the wait, must honour the token

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task A_read_past_its_limit_is_null_and_the_context_reads_on(StoreProvider provider)
    {
        var (store, db) = Open(provider);
        await using var _ = db;

        var stopped = await SlowReadAsync(provider, store, db, TimeSpan.FromMilliseconds(100), CancellationToken.None);
        var quick = await store.WithinAsync(db, TimeSpan.FromSeconds(30), token => db.Events.LongCountAsync(token), CancellationToken.None);

        Assert.Null(stopped);
        Assert.Equal(0L, quick);
        Assert.Equal(0, await db.Jobs.CountAsync()); // outside any limit, after both
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task The_callers_own_cancellation_is_not_taken_for_the_limit(StoreProvider provider)
    {
        var (store, db) = Open(provider);
        await using var _ = db;
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SlowReadAsync(provider, store, db, TimeSpan.FromMinutes(5), caller.Token));
    }

    public void Dispose()
    {
        (_store as PostgresBackend)?.Dispose();
        _data.Dispose();
    }
}
