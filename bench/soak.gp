# The soak plot: one panel per measure, each on its own scale, one point per minute.
#   gnuplot -e 'dir="bench/results/soak"; rate="2000"' bench/soak.gp
set terminal pngcairo size 1000,900
set output dir."/soak.png"
set multiplot layout 3,1 title "chat-server soak: ".rate." msg/s, rooms of 10, 1,000 clients"
set xrange [0:*]
set grid
set key off
set ylabel "server RSS (MiB)"
set yrange [0:*]
plot dir."/soak.tsv" using 1:4 with linespoints pt 7 ps 0.5
set ylabel "open descriptors"
plot dir."/soak.tsv" using 1:6 with linespoints pt 7 ps 0.5
set ylabel "delivery p99 (ms)"
set xlabel "minute"
set logscale y
set yrange [*:*]
plot dir."/soak.tsv" using 1:3 with linespoints pt 7 ps 0.5
unset multiplot
