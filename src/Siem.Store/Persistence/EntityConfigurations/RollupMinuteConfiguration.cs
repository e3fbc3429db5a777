using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class RollupMinuteConfiguration : IEntityTypeConfiguration<RollupMinute>
{
    public void Configure(EntityTypeBuilder<RollupMinute> builder)
    {
        builder.ToTable("rollup_minutes");
        builder.HasKey(x => new { x.Minute, x.Label });
    }
}
