using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConsentRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ConsentRequests",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CompanyId = table.Column<int>(type: "INTEGER", nullable: false),
                    IncidentId = table.Column<int>(type: "INTEGER", nullable: true),
                    FromUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UntilUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SendReply = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Sent = table.Column<bool>(type: "INTEGER", nullable: false),
                    AnsweredAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Answer = table.Column<int>(type: "INTEGER", nullable: true),
                    AnswerNote = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    AnsweredFrom = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    BatchId = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConsentRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ConsentRequests_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConsentRequests_CompanyId_IncidentId",
                table: "ConsentRequests",
                columns: new[] { "CompanyId", "IncidentId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConsentRequests");
        }
    }
}
