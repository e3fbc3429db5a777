using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Siem.Store.Persistence;

namespace Siem.Store.Postgres;

/// <summary>
/// Lets `dotnet ef migrations add X --project src/Siem.Store.Postgres` build the PostgreSQL model without a server
/// (adding a migration never connects).
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SiemDbContext>
{
    public SiemDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SiemDbContext>().UseNpgsql("Host=localhost;Database=siem_design", o => o.MigrationsAssembly(typeof(DesignTimeDbContextFactory).Assembly.GetName().Name)).Options);
}
