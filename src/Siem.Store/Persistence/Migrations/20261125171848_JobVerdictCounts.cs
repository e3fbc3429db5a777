using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class JobVerdictCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "job_verdict_counts",
                columns: table => new
                {
                    JobId = table.Column<long>(type: "INTEGER", nullable: false),
                    ActualLabel = table.Column<string>(type: "TEXT", nullable: false),
                    Label = table.Column<string>(type: "TEXT", nullable: false),
                    Category = table.Column<string>(type: "TEXT", nullable: false),
                    Unknown = table.Column<bool>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_job_verdict_counts", x => new { x.JobId, x.ActualLabel, x.Label, x.Category, x.Unknown });
                });

            // Uploads made before this table: count their verdicts once, so the Model page can evaluate them.
            migrationBuilder.Sql(@"INSERT INTO job_verdict_counts (""JobId"", ""ActualLabel"", ""Label"", ""Category"", ""Unknown"", ""Count"")
                SELECT job_id, actual_label, label, category, unknown, COUNT(*) FROM events
                WHERE actual_label IS NOT NULL GROUP BY job_id, actual_label, label, category, unknown");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "job_verdict_counts");
        }
    }
}
