using System.Text;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Siem.Store.Persistence;

/// <remarks>Also the Data Protection key ring (<see cref="IDataProtectionKeyContext"/>): every instance on the store reads and writes the same keys, so a cookie from one node is valid on the next.</remarks>
public sealed class SiemDbContext(DbContextOptions<SiemDbContext> options) : IdentityDbContext<SiemUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<IngestJob> Jobs => Set<IngestJob>();
    public DbSet<JobRejection> JobRejections => Set<JobRejection>();
    public DbSet<SecurityEvent> Events => Set<SecurityEvent>();
    public DbSet<RollupMinute> Rollups => Set<RollupMinute>();
    public DbSet<AlertRollupMinute> AlertRollups => Set<AlertRollupMinute>();
    public DbSet<JobVerdictCount> JobVerdicts => Set<JobVerdictCount>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<IncidentNote> IncidentNotes => Set<IncidentNote>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<PendingAlertGroup> PendingAlertGroups => Set<PendingAlertGroup>();
    public DbSet<AlertException> Exceptions => Set<AlertException>();
    public DbSet<SiteFeedback> SiteFeedback => Set<SiteFeedback>();
    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();
    public DbSet<NotificationRule> NotificationRules => Set<NotificationRule>();
    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();
    public DbSet<SavedSearch> SavedSearches => Set<SavedSearch>();
    public DbSet<StoreLease> Leases => Set<StoreLease>();

    /// <summary>Every time is stored in UTC; reading it back says so (DateTimeKind.Utc), so the API writes "Z" everywhere.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc), // PostgreSQL's timestamptz takes UTC only
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(SiemDbContext).Assembly); // EntityConfigurations/, one file per entity
    }
}

/// <summary>The events table's name and column naming, shared with the raw ADO.NET writer.</summary>
public static class EventTable
{
    public const string Name = "events";

    /// <summary>PascalCase property to the KDD snake_case name: DstHostSrvCount -> dst_host_srv_count.</summary>
    public static string ColumnOf(string propertyName)
    {
        var text = new StringBuilder(propertyName.Length + 8);
        for (var i = 0; i < propertyName.Length; i++)
        {
            var c = propertyName[i];
            if (char.IsUpper(c) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
