import Typography from "@mui/material/Typography";

export default function PayoutsPage() {
  return <Typography component="h1" variant="h5">PayoutsPage</Typography>;
}
