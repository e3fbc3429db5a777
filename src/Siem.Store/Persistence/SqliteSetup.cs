using Microsoft.Data.Sqlite;

namespace Siem.Store.Persistence;

/// <summary>The one SQLite file in the data folder, opened with WAL and synchronous=NORMAL.</summary>
public sealed class SqliteSetup(string databasePath)
{
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

    public static void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        // WAL lets readers (pages, API) run while the single writer commits; NORMAL is durable at
        // checkpoints and safe against corruption, and far faster than FULL for batched inserts.
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }
}

/// <summary>Applies the pragmas to every connection EF opens.</summary>
public sealed class SqlitePragmaInterceptor : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection sqlite)
        {
            SqliteSetup.Configure(sqlite);
        }
    }

    public override Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionOpened(connection, eventData);
        return Task.CompletedTask;
    }
}
