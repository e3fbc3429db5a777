using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class JobRejectionConfiguration : IEntityTypeConfiguration<JobRejection>
{
    public void Configure(EntityTypeBuilder<JobRejection> builder)
    {
        builder.ToTable("job_rejections");
        builder.HasIndex(x => new { x.JobId, x.Line }).IsUnique();
    }
}
