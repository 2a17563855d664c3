FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY workflows ./workflows
COPY models ./models
COPY locales ./locales
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home majlis
USER majlis
ENV MAJLIS_DATA_DIR=/home/majlis/data
ENTRYPOINT ["majlis"]
CMD ["run"]
