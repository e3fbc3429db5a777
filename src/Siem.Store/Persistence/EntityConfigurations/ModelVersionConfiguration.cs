using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.ToTable("model_versions");
        builder.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.Name).HasMaxLength(200);
        builder.Property(x => x.CreatedBy).HasMaxLength(256);
        builder.Property(x => x.ActivatedBy).HasMaxLength(256);
        builder.Property(x => x.Source).HasMaxLength(1000);
        builder.Property(x => x.CardPath).HasMaxLength(1000);
        builder.Property(x => x.Sha256).HasMaxLength(64);
        builder.HasIndex(x => x.IsActive).IsUnique().HasFilter("\"IsActive\"");
    }
}
