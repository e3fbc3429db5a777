using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Siem.Domain.Records;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class SecurityEventConfiguration : IEntityTypeConfiguration<SecurityEvent>
{
    public void Configure(EntityTypeBuilder<SecurityEvent> builder)
    {
        builder.ToTable(EventTable.Name);
        foreach (var property in typeof(SecurityEvent).GetProperties().Where(p => p.Name != nameof(SecurityEvent.Connection)))
        {
            builder.Property(property.Name).HasColumnName(EventTable.ColumnOf(property.Name));
        }

        builder.HasIndex(x => new { x.JobId, x.Line }).IsUnique();
        builder.HasIndex(x => x.TimeMs);
        // Few indexes on purpose: each one costs every insert on the hot path. Charts read the rollups.
        // The 41 features (and metadata) become columns named as in KDD (src_bytes, dst_host_count, ...).
        builder.ComplexProperty(x => x.Connection, connection =>
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
    }

    private sealed class IpAddressConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<IPAddress, string>(
        ip => ip.ToString(), text => IPAddress.Parse(text));
}
