using System.Net;
using System.Text;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Records;

namespace Siem.Store.Persistence;

public sealed class SiemDbContext(DbContextOptions<SiemDbContext> options) : IdentityDbContext<SiemUser>(options)
{
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

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<IngestJob>(job =>
        {
            job.ToTable("jobs");
            job.Property(j => j.Status).HasConversion<string>();
            job.HasMany(j => j.Rejections).WithOne().HasForeignKey(r => r.JobId).OnDelete(DeleteBehavior.Cascade);
            job.HasIndex(j => j.CreatedUtc);
        });
        builder.Entity<JobRejection>(r =>
        {
            r.ToTable("job_rejections");
            r.HasIndex(x => new { x.JobId, x.Line }).IsUnique();
        });

        builder.Entity<SecurityEvent>(e =>
        {
            e.ToTable(EventTable.Name);
            foreach (var property in typeof(SecurityEvent).GetProperties().Where(p => p.Name != nameof(SecurityEvent.Connection)))
            {
                e.Property(property.Name).HasColumnName(EventTable.ColumnOf(property.Name));
            }

            e.HasIndex(x => new { x.JobId, x.Line }).IsUnique();
            e.HasIndex(x => x.TimeMs);
            // Few indexes on purpose: each one costs every insert on the hot path. Charts read the rollups.
            // The 41 features (and metadata) become columns named as in KDD (src_bytes, dst_host_count, ...).
            e.ComplexProperty(x => x.Connection, connection =>
            {
                connection.Ignore(c => c.Timestamp); // stored once, as the event's time_ms
                foreach (var property in typeof(ConnectionRecord).GetProperties().Where(p => p.Name != nameof(ConnectionRecord.Timestamp)))
                {
                    var column = connection.Property(property.Name).HasColumnName(EventTable.ColumnOf(property.Name));
                    if (property.PropertyType == typeof(IPAddress))
                    {
                        column.HasConversion(new IpAddressConverter());
                    }
                }

                connection.Property(c => c.Label).HasColumnName("actual_label");
            });
        });

        builder.Entity<PendingAlertGroup>().ToTable("pending_alert_groups");

        builder.Entity<RollupMinute>(r =>
        {
            r.ToTable("rollup_minutes");
            r.HasKey(x => new { x.Minute, x.Label });
        });

        builder.Entity<JobVerdictCount>(v =>
        {
            v.ToTable("job_verdict_counts");
            v.HasKey(x => new { x.JobId, x.ActualLabel, x.Label, x.Category, x.Unknown });
        });

        builder.Entity<AlertRollupMinute>(r =>
        {
            r.ToTable("alert_rollup_minutes");
            r.HasKey(x => new { x.Minute, x.Dimension, x.Value });
        });

        builder.Entity<Incident>(i =>
        {
            i.ToTable("incidents");
            i.Property(x => x.Status).HasConversion<string>();
            i.Property(x => x.Severity).HasConversion<string>();
            i.Property(x => x.Resolution).HasConversion<string>();
            i.HasMany(x => x.Notes).WithOne().HasForeignKey(n => n.IncidentId).OnDelete(DeleteBehavior.Cascade);
            i.HasIndex(x => new { x.Status, x.LastSeenMs });
            i.HasIndex(x => new { x.Label, x.DstHost, x.LastSeenMs });
        });
        builder.Entity<IncidentNote>().ToTable("incident_notes");
        builder.Entity<AuditEntry>(a =>
        {
            a.ToTable("audit");
            a.HasIndex(x => new { x.EntityType, x.EntityId });
        });
        builder.Entity<ApiKey>(k =>
        {
            k.ToTable("api_keys");
            k.HasIndex(x => x.Hash).IsUnique();
        });
    }

    private sealed class IpAddressConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<IPAddress, string>(
        ip => ip.ToString(), text => IPAddress.Parse(text));
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
