import Typography from "@mui/material/Typography";

export default function MyRequestsPage() {
  return <Typography component="h1" variant="h5">MyRequestsPage</Typography>;
}
