using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ContentRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "rule",
                table: "events",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "rule",
                table: "events");
        }
    }
}
