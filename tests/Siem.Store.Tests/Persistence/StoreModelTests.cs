using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;
using Siem.TestSupport;

namespace Siem.Store.Tests.Persistence;

/// <summary>The EF model (one configuration per entity) and the migrations agree, on a real SQLite file.</summary>
public sealed class StoreModelTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Fact]
    public void The_migrations_create_the_model_and_nothing_is_pending()
    {
        using var db = new SiemDbContext(new DbContextOptionsBuilder<SiemDbContext>().UseSqlite($"Data Source={_folder.File("siem.db")};Pooling=False").Options);

        db.Database.Migrate();

        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a migration: dotnet ef migrations add <Name> --project src/Siem.Store");
        Assert.Equal("events", db.Model.FindEntityType(typeof(SecurityEvent))!.GetTableName());
        Assert.Empty(db.Events);
    }

    public void Dispose() => _folder.Dispose();
}
