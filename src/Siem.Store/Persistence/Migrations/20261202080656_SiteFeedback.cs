using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class SiteFeedback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "site_feedback",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    JobId = table.Column<long>(type: "INTEGER", nullable: true),
                    IncidentId = table.Column<long>(type: "INTEGER", nullable: true),
                    Label = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AddedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AddedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Records = table.Column<long>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_site_feedback", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_site_feedback_IncidentId",
                table: "site_feedback",
                column: "IncidentId",
                unique: true,
                filter: "\"IncidentId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_site_feedback_JobId",
                table: "site_feedback",
                column: "JobId",
                unique: true,
                filter: "\"JobId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "site_feedback");
        }
    }
}
