using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class NotificationRuleConfiguration : IEntityTypeConfiguration<NotificationRule>
{
    public void Configure(EntityTypeBuilder<NotificationRule> builder)
    {
        builder.ToTable("notification_rules");
        builder.Property(x => x.Trigger).HasConversion<string>();
        builder.Property(x => x.Channel).HasConversion<string>();
        builder.Property(x => x.MinSeverity).HasConversion<string>();
    }
}
