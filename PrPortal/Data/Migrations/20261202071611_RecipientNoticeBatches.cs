using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecipientNoticeBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Kind",
                table: "ResendBatches",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Kind",
                table: "ResendBatches");
        }
    }
}
