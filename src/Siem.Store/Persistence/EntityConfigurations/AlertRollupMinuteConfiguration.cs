using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class AlertRollupMinuteConfiguration : IEntityTypeConfiguration<AlertRollupMinute>
{
    public void Configure(EntityTypeBuilder<AlertRollupMinute> builder)
    {
        builder.ToTable("alert_rollup_minutes");
        builder.HasKey(x => new { x.Minute, x.Dimension, x.Value });
    }
}
