using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AlertRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alert_rollup_minutes",
                columns: table => new
                {
                    Minute = table.Column<long>(type: "INTEGER", nullable: false),
                    Dimension = table.Column<string>(type: "TEXT", nullable: false),
                    Value = table.Column<string>(type: "TEXT", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alert_rollup_minutes", x => new { x.Minute, x.Dimension, x.Value });
                });

            // Stores made before this table: count their alerts once, so the breakdown shows them too.
            foreach (var (dimension, column) in new[] { ("service", "service"), ("protocol", "protocol_type"), ("flag", "flag"), ("host", "dst_ip") })
            {
                migrationBuilder.Sql($@"INSERT INTO alert_rollup_minutes (""Minute"", ""Dimension"", ""Value"", ""Count"")
                    SELECT time_ms / 60000, '{dimension}', {column}, COUNT(*) FROM events
                    WHERE is_alert = 1 AND {column} IS NOT NULL GROUP BY time_ms / 60000, {column}");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alert_rollup_minutes");
        }
    }
}
