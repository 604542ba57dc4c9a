import Typography from "@mui/material/Typography";

export default function QueuePage() {
  return <Typography component="h1" variant="h5">QueuePage</Typography>;
}
