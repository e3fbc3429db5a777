using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siem.Store.Postgres.Migrations
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "community_id",
                table: "events",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "uid",
                table: "events",
                type: "text",
                nullable: true);

            // Flow ids are looked up one at a time (uid:..., community_id:...): partial indexes, so the rows without
            // one (KDD CSV, NDJSON) cost nothing to insert.
            migrationBuilder.Sql("CREATE INDEX ix_events_uid ON events (uid) WHERE uid IS NOT NULL");
            migrationBuilder.Sql("CREATE INDEX ix_events_community_id ON events (community_id) WHERE community_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_events_uid");
            migrationBuilder.Sql("DROP INDEX ix_events_community_id");

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
