using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class AlertExceptionConfiguration : IEntityTypeConfiguration<AlertException>
{
    public void Configure(EntityTypeBuilder<AlertException> builder)
    {
        builder.ToTable("alert_exceptions");
        builder.HasIndex(x => x.Enabled);
    }
}
