using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Siem.Store.Persistence.EntityConfigurations;

internal sealed class IncidentNoteConfiguration : IEntityTypeConfiguration<IncidentNote>
{
    public void Configure(EntityTypeBuilder<IncidentNote> builder)
    {
        builder.ToTable("incident_notes");
    }
}
