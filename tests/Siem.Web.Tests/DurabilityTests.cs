using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Persistence;

namespace Siem.Web.Tests;

/// <summary>What the app acknowledges is fsynced first (synchronous=FULL) unless the operator relaxes it.</summary>
public sealed class DurabilityTests
{
    private static async Task<long> SynchronousAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData(null, 2L)] // FULL by default
    [InlineData("Relaxed", 1L)] // NORMAL
    public async Task Every_connection_of_the_store_commits_with_the_configured_durability(string? setting, long expected)
    {
        await using var app = new SiemAppFactory();
        if (setting is not null)
        {
            app.Settings["Siem:Store:Durability"] = setting;
        }

        _ = app.Services; // started
        await using var writer = app.Services.GetRequiredService<SqliteSetup>().Open();
        await using var db = app.CreateDb();
        await db.Database.OpenConnectionAsync();

        Assert.Equal(expected, await SynchronousAsync(writer));
        Assert.Equal(expected, await SynchronousAsync((SqliteConnection)db.Database.GetDbConnection()));
    }
}
