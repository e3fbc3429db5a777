using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Siem.Store.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SiemDbContext>
{
    public SiemDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SiemDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
