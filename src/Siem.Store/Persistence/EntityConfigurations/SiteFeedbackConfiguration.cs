using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class SiteFeedbackConfiguration : IEntityTypeConfiguration<SiteFeedback>
{
    public void Configure(EntityTypeBuilder<SiteFeedback> builder)
    {
        builder.ToTable("site_feedback");
        builder.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.Label).HasMaxLength(64);
        builder.Property(x => x.AddedBy).HasMaxLength(256);
        builder.Property(x => x.Note).HasMaxLength(1000);
        builder.Property(x => x.Query).HasMaxLength(2000);
        // One baseline per upload and one entry per false-positive incident.
        builder.HasIndex(x => x.JobId).IsUnique().HasFilter("\"JobId\" IS NOT NULL");
        builder.HasIndex(x => x.IncidentId).IsUnique().HasFilter("\"IncidentId\" IS NOT NULL");
    }
}
