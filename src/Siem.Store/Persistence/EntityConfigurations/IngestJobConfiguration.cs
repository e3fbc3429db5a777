using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class IngestJobConfiguration : IEntityTypeConfiguration<IngestJob>
{
    public void Configure(EntityTypeBuilder<IngestJob> builder)
    {
        builder.ToTable("jobs");
        builder.Property(j => j.Status).HasConversion<string>();
        builder.HasMany(j => j.Rejections).WithOne().HasForeignKey(r => r.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => j.CreatedUtc);
    }
}
