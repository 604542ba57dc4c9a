import Typography from "@mui/material/Typography";

export default function UsersPage() {
  return <Typography component="h1" variant="h5">UsersPage</Typography>;
}
