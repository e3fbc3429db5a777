using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class PendingAlertGroupConfiguration : IEntityTypeConfiguration<PendingAlertGroup>
{
    public void Configure(EntityTypeBuilder<PendingAlertGroup> builder)
    {
        builder.ToTable("pending_alert_groups");
        builder.HasIndex(x => new { x.Held, x.DstHost });
    }
}
