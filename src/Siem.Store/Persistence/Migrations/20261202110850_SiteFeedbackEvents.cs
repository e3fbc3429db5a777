using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class SiteFeedbackEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "FromMs",
                table: "site_feedback",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Query",
                table: "site_feedback",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ToMs",
                table: "site_feedback",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "UpToEventId",
                table: "site_feedback",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FromMs",
                table: "site_feedback");

            migrationBuilder.DropColumn(
                name: "Query",
                table: "site_feedback");

            migrationBuilder.DropColumn(
                name: "ToMs",
                table: "site_feedback");

            migrationBuilder.DropColumn(
                name: "UpToEventId",
                table: "site_feedback");
        }
    }
}
