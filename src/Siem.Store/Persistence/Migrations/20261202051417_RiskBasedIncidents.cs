using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RiskBasedIncidents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Held",
                table: "pending_alert_groups",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<double>(
                name: "MaxRisk",
                table: "pending_alert_groups",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "Risk",
                table: "pending_alert_groups",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<string>(
                name: "OpenReason",
                table: "incidents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "Risk",
                table: "incidents",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.CreateIndex(
                name: "IX_pending_alert_groups_Held_DstHost",
                table: "pending_alert_groups",
                columns: new[] { "Held", "DstHost" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_pending_alert_groups_Held_DstHost",
                table: "pending_alert_groups");

            migrationBuilder.DropColumn(
                name: "Held",
                table: "pending_alert_groups");

            migrationBuilder.DropColumn(
                name: "MaxRisk",
                table: "pending_alert_groups");

            migrationBuilder.DropColumn(
                name: "Risk",
                table: "pending_alert_groups");

            migrationBuilder.DropColumn(
                name: "OpenReason",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "Risk",
                table: "incidents");
        }
    }
}
