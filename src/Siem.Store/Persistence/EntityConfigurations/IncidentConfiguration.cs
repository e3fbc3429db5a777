using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.ToTable("incidents");
        builder.Property(x => x.Status).HasConversion<string>();
        builder.Property(x => x.Severity).HasConversion<string>();
        builder.Property(x => x.Resolution).HasConversion<string>();
        builder.HasMany(x => x.Notes).WithOne().HasForeignKey(n => n.IncidentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(x => new { x.Status, x.LastSeenMs });
        builder.HasIndex(x => new { x.Label, x.DstHost, x.LastSeenMs });
    }
}
