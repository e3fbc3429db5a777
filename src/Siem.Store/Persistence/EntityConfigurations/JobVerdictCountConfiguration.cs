using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class JobVerdictCountConfiguration : IEntityTypeConfiguration<JobVerdictCount>
{
    public void Configure(EntityTypeBuilder<JobVerdictCount> builder)
    {
        builder.ToTable("job_verdict_counts");
        builder.HasKey(x => new { x.JobId, x.ActualLabel, x.Label, x.Category, x.Unknown });
    }
}
