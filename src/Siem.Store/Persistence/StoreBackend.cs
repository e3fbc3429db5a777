using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Siem.Store.Ingest;
using Siem.Store.Retention;

namespace Siem.Store.Persistence;

/// <summary>Where the data lives (<c>Siem:Store:Provider</c>).</summary>
public enum StoreProvider
{
    /// <summary>One SQLite file in the data folder: nothing to install, one machine.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<c>Siem:Store:ConnectionString</c>): several nodes share it.</summary>
    Postgres,
}

/// <summary>
/// What differs between the two stores, in one place: how EF connects, the bulk event writer, the storage figures and
/// how deleted rows' space is given back. Everything else (queries, incidents, jobs) is the same EF model on both.
/// </summary>
public abstract class StoreBackend
{
    public abstract StoreProvider Provider { get; }

    public abstract StoreDurability Durability { get; }

    /// <summary>Records per write transaction of an upload job unless <c>Siem:Ingest:BatchSize</c> says otherwise.</summary>
    public abstract int DefaultBatchSize { get; }

    public abstract void Configure(DbContextOptionsBuilder options);

    /// <summary>Runs before the migrations (SQLite creates its file with the page settings it needs).</summary>
    public virtual void Prepare()
    {
    }

    public abstract EventWriter OpenWriter(int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null);

    public abstract Task<StorageFigures> ReadFiguresAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs a read of <paramref name="db"/> for at most <paramref name="limit"/>; null when the limit passed first. Here
    /// (SQLite) the token interrupts the statement at once.
    /// </summary>
    public virtual async Task<T?> WithinAsync<T>(SiemDbContext db, TimeSpan limit, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : struct
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(limit);
        try
        {
            return await read(budget.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>After a sweep deleted rows: makes their space reusable or gives it back; returns the bytes the store shrank by.</summary>
    public abstract Task<long> ReclaimSpaceAsync(RetentionOptions policy, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="exception"/> says the store's disk is full (the API answers 507).</summary>
    public static bool IsStoreFull(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 13 } => true, // SQLITE_FULL
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => true,
        _ => false,
    };

    public static StoreBackend Create(StoreOptions store, DataFolder folder) => store.Provider switch
    {
        StoreProvider.Postgres => new PostgresBackend(store.ConnectionString is { Length: > 0 } connection
            ? connection
            : throw new InvalidOperationException("Siem:Store:Provider is Postgres but Siem:Store:ConnectionString is empty: set it (Host=...;Database=siem;Username=...;Password=...)."), store.Durability),
        _ => new SqliteBackend(new SqliteSetup(folder.Database, store.Durability)),
    };
}

/// <summary>The embedded default: one SQLite file with WAL (<see cref="SqliteSetup"/>).</summary>
public sealed class SqliteBackend(SqliteSetup sqlite) : StoreBackend
{
    /// <summary>Pages given back per step of <c>incremental_vacuum</c> (4,096 x 4 KiB = 16 MiB per write transaction).</summary>
    private const int VacuumPagesPerStep = 4096;

    public SqliteSetup Sqlite => sqlite;

    public override StoreProvider Provider => StoreProvider.Sqlite;

    public override StoreDurability Durability => sqlite.Durability;

    public override int DefaultBatchSize => 2048;

    public override void Configure(DbContextOptionsBuilder options) =>
        options.UseSqlite(sqlite.ConnectionString).AddInterceptors(new SqlitePragmaInterceptor(sqlite));

    public override void Prepare() => sqlite.CreateIfMissing();

    /// <summary>
    /// Microsoft.Data.Sqlite does not stop a running statement when its token is cancelled (dotnet/efcore#38757): it
    /// finishes and then throws. The token interrupts the connection instead (<c>sqlite3_interrupt</c>), for as long
    /// as the read runs on a connection opened for it alone.
    /// </summary>
    public override async Task<T?> WithinAsync<T>(SiemDbContext db, TimeSpan limit, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : struct
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            budget.CancelAfter(limit);
            using var interrupt = budget.Token.Register(static connection =>
            {
                if (((SqliteConnection)connection!).Handle is { } handle)
                {
                    SQLitePCL.raw.sqlite3_interrupt(handle);
                }
            }, db.Database.GetDbConnection());
            return await read(budget.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_INTERRUPT } && budget.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public override EventWriter OpenWriter(int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null) =>
        new SqliteEventWriter(sqlite, keptRejections, incidentWindow, exceptions);

    public override async Task<StorageFigures> ReadFiguresAsync(CancellationToken cancellationToken)
    {
        await using var connection = sqlite.Open();
        async Task<long> PragmaAsync(string name)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name};";
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var pageSize = await PragmaAsync("page_size");
        var pages = await PragmaAsync("page_count");
        var free = await PragmaAsync("freelist_count");
        var autoVacuum = await PragmaAsync("auto_vacuum");
        static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        return new StorageFigures(SizeOf(sqlite.DatabasePath), SizeOf(sqlite.DatabasePath + "-wal"), (pages - free) * pageSize, free * pageSize, autoVacuum == 2);
    }

    /// <summary>Hands free pages back to the file system a step at a time (a database made before auto_vacuum was on reuses them instead).</summary>
    public override async Task<long> ReclaimSpaceAsync(RetentionOptions policy, TimeProvider time, CancellationToken cancellationToken)
    {
        var before = await ReadFiguresAsync(cancellationToken);
        if (!before.GivesSpaceBack)
        {
            return 0;
        }

        var figures = before;
        while (figures.FreeBytes > 0)
        {
            await ExecuteAsync($"PRAGMA incremental_vacuum({VacuumPagesPerStep});", cancellationToken);
            var after = await ReadFiguresAsync(cancellationToken);
            if (after.FreeBytes >= figures.FreeBytes)
            {
                break;
            }

            figures = after;
            await Task.Delay(policy.BatchPause, time, cancellationToken);
        }

        await ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken); // the file shrinks once the WAL is folded in
        var end = await ReadFiguresAsync(cancellationToken);
        return Math.Max(0, before.FileBytes + before.WalBytes - end.FileBytes - end.WalBytes);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = sqlite.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// A PostgreSQL database through one Npgsql data source (its connection pool), shared by EF and the bulk writer.
/// Durability Relaxed turns off <c>synchronous_commit</c> for this app's sessions: a commit returns before the WAL
/// is flushed (PostgreSQL's own crash safety stays; the last commits before a server crash may be lost).
/// </summary>
public sealed class PostgresBackend : StoreBackend, IDisposable
{
    /// <summary>The tables a retention sweep deletes from, vacuumed after it so their space is reused at once.</summary>
    private static readonly string[] SweptTables = [EventTable.Name, "rollup_minutes", "alert_rollup_minutes", "incidents", "incident_notes", "audit"];

    private readonly NpgsqlConnectionStringBuilder _settings;

    public PostgresBackend(string connectionString, StoreDurability durability)
    {
        Durability = durability;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (durability == StoreDurability.Relaxed)
        {
            builder.Options = string.Join(' ', builder.Options, "-c synchronous_commit=off").Trim();
        }

        // PostgreSQL's JIT compiles a query its planner thinks costly: for the explorer's short index reads over millions
        // of events that cost 240 ms of compiling for a query that then ran in 85 ms.
        builder.Options = string.Join(' ', builder.Options, "-c jit=off").Trim();

        DataSource = NpgsqlDataSource.Create(builder);
        // The writers run the same few upserts every batch: prepared once per connection, not parsed and planned each time.
        _writers = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { MaxAutoPrepare = 16, AutoPrepareMinUsages = 2 });
    }

    private readonly NpgsqlDataSource _writers;

    public NpgsqlDataSource DataSource { get; }

    public override StoreProvider Provider => StoreProvider.Postgres;

    /// <summary>
    /// Larger than SQLite's: each transaction costs a round trip per statement batch and a WAL flush at commit. The KDD
    /// file uploaded on a 2-core box: 7.9 s in batches of 2,048, 4.9 s in batches of 16,384 (warm, median of 2).
    /// </summary>
    public override int DefaultBatchSize => 16384;

    public override StoreDurability Durability { get; }

    public override void Configure(DbContextOptionsBuilder options) =>
        options.UseNpgsql(DataSource, npgsql => npgsql.MigrationsAssembly("Siem.Store.Postgres"));

    /// <summary>Creates the database when the server has none of that name (EF would too, but logs the failed first connection as an error).</summary>
    public override void Prepare()
    {
        try
        {
            using var connection = DataSource.OpenConnection();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            var database = _settings.Database ?? throw new InvalidOperationException("Siem:Store:ConnectionString names no Database.", e);
            var maintenance = new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Database = "postgres", Pooling = false };
            using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            create.ExecuteNonQuery();
        }
    }

    public override EventWriter OpenWriter(int keptRejections, TimeSpan incidentWindow, Exceptions.ExceptionRules? exceptions = null) =>
        new PostgresEventWriter(_writers, keptRejections, incidentWindow, exceptions);

    /// <summary>The database's size on disk; PostgreSQL keeps deleted rows' space for reuse (autovacuum) rather than returning it.</summary>
    public override async Task<StorageFigures> ReadFiguresAsync(CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand("SELECT pg_database_size(current_database())");
        var size = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new StorageFigures(size, 0, size, 0, GivesSpaceBack: false);
    }

    /// <summary>
    /// The server stops the read itself (<c>statement_timeout</c>, local to a read-only transaction): a cancel request
    /// from the client costs a second connection and its round trips, ~60 ms measured (a 150 ms budget answered in
    /// 218 ms), against ~20 ms for the server's own timeout, most of it stopping the parallel workers.
    /// </summary>
    public override async Task<T?> WithinAsync<T>(SiemDbContext db, TimeSpan limit, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : struct
    {
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        var milliseconds = Math.Max(1, (int)Math.Ceiling(limit.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await db.Database.ExecuteSqlAsync($"SELECT set_config('statement_timeout', {milliseconds}, true)", cancellationToken);
        try
        {
            return await read(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>VACUUM (not FULL, which would lock the tables) marks the deleted rows' space free for the next inserts now, not whenever autovacuum comes.</summary>
    public override async Task<long> ReclaimSpaceAsync(RetentionOptions policy, TimeProvider time, CancellationToken cancellationToken)
    {
        var before = await ReadFiguresAsync(cancellationToken);
        foreach (var table in SweptTables)
        {
            await using var vacuum = DataSource.CreateCommand($"VACUUM (ANALYZE) {table}");
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        var after = await ReadFiguresAsync(cancellationToken);
        return Math.Max(0, before.FileBytes - after.FileBytes);
    }

    public void Dispose()
    {
        DataSource.Dispose();
        _writers.Dispose();
    }
}
