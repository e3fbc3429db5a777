using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> builder)
    {
        builder.ToTable("notification_deliveries");
        builder.Property(x => x.Trigger).HasConversion<string>();
        builder.Property(x => x.Status).HasConversion<string>();
        builder.HasIndex(x => new { x.RuleId, x.IncidentId, x.Trigger }).IsUnique();
        builder.HasIndex(x => new { x.Status, x.NextAttemptUtc });
    }
}
