using Microsoft.Data.Sqlite;

namespace Siem.Store.Persistence;

/// <summary>What a commit promises before the app acknowledges it (a stream answer, an upload's 202, a job's progress).</summary>
public enum StoreDurability
{
    /// <summary>
    /// synchronous=FULL: every commit is fsynced before it returns, so what the app acknowledged survives a power cut
    /// or an OS crash, not only a process crash (as Elasticsearch's <c>index.translog.durability: request</c>).
    /// </summary>
    Acknowledged,

    /// <summary>synchronous=NORMAL: commits survive a process crash; the last ones before a power cut may be lost. Faster (README).</summary>
    Relaxed,
}

/// <summary>The one SQLite file in the data folder, opened with WAL and the <see cref="StoreDurability"/> chosen.</summary>
public sealed class SqliteSetup(string databasePath, StoreDurability durability = StoreDurability.Acknowledged)
{
    public StoreDurability Durability { get; } = durability;

    public string DatabasePath { get; } = databasePath;

    public string ConnectionString { get; } = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Opens a connection with the per-connection pragmas set.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Configure(connection);
        return connection;
    }

    /// <summary>
    /// Creates the file when there is none, with auto_vacuum=INCREMENTAL: the retention sweeper can then give freed pages
    /// back to the file system (PRAGMA incremental_vacuum). It must come before anything else is written to a new file
    /// (WAL mode included); a database made before it reuses freed pages instead.
    /// </summary>
    public void CreateIfMissing()
    {
        if (File.Exists(DatabasePath) && new FileInfo(DatabasePath).Length > 0)
        {
            return;
        }

        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    public void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        // WAL lets readers (pages, API) run while the single writer commits. FULL fsyncs the WAL at every commit;
        // with one transaction per batch of thousands of records that is one fsync per batch (cost: README).
        var synchronous = Durability == StoreDurability.Acknowledged ? "FULL" : "NORMAL";
        command.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }
}

/// <summary>Applies the pragmas to every connection EF opens.</summary>
public sealed class SqlitePragmaInterceptor(SqliteSetup setup) : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection sqlite)
        {
            setup.Configure(sqlite);
        }
    }

    public override Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionOpened(connection, eventData);
        return Task.CompletedTask;
    }
}
