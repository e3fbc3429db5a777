using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class StoreLeaseConfiguration : IEntityTypeConfiguration<StoreLease>
{
    public void Configure(EntityTypeBuilder<StoreLease> builder)
    {
        builder.ToTable("store_leases");
        builder.HasKey(x => x.Name);
    }
}
