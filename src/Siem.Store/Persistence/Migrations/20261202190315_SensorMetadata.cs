using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class SensorMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Format",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "community_id",
                table: "events",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "uid",
                table: "events",
                type: "TEXT",
                nullable: true);

            // No index on uid or community_id: they are random strings, and an index on community_id cut the flow
            // collector from 83,000 to 27,000-33,000 connections/s (bench flows: every insert lands on a random index page).
            // A search by them reads the events of its time range instead.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Format",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "community_id",
                table: "events");

            migrationBuilder.DropColumn(
                name: "uid",
                table: "events");
        }
    }
}
